import { pieceEnd } from '../../src/recognition/cloud-transcriber';

describe('where a piece of the question ends', () => {
  const phrase = [{ start: 1, end: 2.5 }];

  it('the pause going on ends the piece after a quarter second, so the last words are on their way before "reply"', () => {
    expect(pieceEnd(phrase, 2.7, 0)).toBeUndefined();
    const end = pieceEnd(phrase, 2.75, 0);
    expect(end).toBeGreaterThan(2.5);
    expect(end).toBeLessThanOrEqual(2.75);
  });

  it('a gap between words (under 0.25 s) ends nothing', () => {
    expect(pieceEnd([{ start: 1, end: 2.5 }, { start: 2.68, end: 3.5 }], 3.6, 0)).toBeUndefined();
  });

  it('after speech as short as a command word it waits for that word\'s detection before cutting', () => {
    const word = [{ start: 3, end: 3.5 }];
    expect(pieceEnd(word, 3.8, 2.9)).toBeUndefined();
    expect(pieceEnd(word, 4.15, 2.9)).toBeGreaterThan(3.5);
  });

  it('between phrases already heard: a long pause, or a short one closing a piece of a few seconds', () => {
    expect(pieceEnd([{ start: 1, end: 2 }, { start: 2.4, end: 3 }, { start: 3.6, end: 5 }], 5.1, 0)).toBeCloseTo(3.15, 5);
    expect(pieceEnd([{ start: 0, end: 3.2 }, { start: 3.55, end: 5 }], 5.1, 0)).toBeCloseTo(3.35, 5);
  });
});
