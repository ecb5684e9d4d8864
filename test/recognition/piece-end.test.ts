import { pieceEnd } from '../../src/recognition/cloud-transcriber';

describe('where a piece of the question ends', () => {
  const phrase = [{ start: 1, end: 2.5 }];

  it('the pause going on ends the piece once it lasts 0.2 s, so the last words are on their way before "reply"', () => {
    expect(pieceEnd(phrase, 2.65, 0)).toBeUndefined();
    const end = pieceEnd(phrase, 2.72, 0);
    expect(end).toBeGreaterThan(2.5);
    expect(end).toBeLessThanOrEqual(2.72);
  });

  it('a pause of 0.2 s before more speech (the next words came within the same chunk of audio) ends the piece there', () => {
    expect(pieceEnd([{ start: 1, end: 2.5 }, { start: 2.72, end: 3.5 }], 2.8, 0)).toBeCloseTo(2.6, 5);
  });

  it('speech joined by the analysis (a gap under 0.2 s) ends nothing', () => {
    expect(pieceEnd([{ start: 1, end: 2.5 }, { start: 2.65, end: 3.5 }], 3.6, 0)).toBeUndefined();
  });

  it("after speech as short as a command word it waits for that word's recognition before cutting, between phrases too", () => {
    const word = [{ start: 3, end: 3.5 }];
    expect(pieceEnd(word, 4.3, 2.9)).toBeUndefined();
    expect(pieceEnd(word, 4.45, 2.9)).toBeGreaterThan(3.5);
    expect(pieceEnd([...word, { start: 3.8, end: 5 }], 4.0, 2.9)).toBeUndefined();
  });

  it('the next piece starts where the last one ended', () => {
    expect(pieceEnd([{ start: 1, end: 2.5 }, { start: 3, end: 4.5 }], 4.8, 2.6)).toBeCloseTo(4.6, 5);
  });
});
