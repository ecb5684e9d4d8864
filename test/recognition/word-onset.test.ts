import { wordEnd, wordOnset } from '../../src/recognition/detector/word-onset';

/** Levels from a table of [from, to, dB] spans (seconds), 10 ms frames, the rest at the floor. */
function levels(spans: Array<[number, number, number]>, floor = 20): (t: number) => number {
  return (t) => spans.find(([a, b]) => t + 1e-9 >= a && t < b - 1e-9)?.[2] ?? floor;
}

describe('word onset', () => {
  const cases: Array<{ name: string; estimate: number; end: number; spans: Array<[number, number, number]>; want: number }> = [
    // "snapshot" after a pause, its /p/ closure a 70 ms dip: the start is the end of the pause, not the closure.
    { name: 'late estimate, pause before', estimate: 1.25, end: 1.8, spans: [[0.2, 0.8, 70], [1.0, 1.3, 65], [1.37, 1.8, 68]], want: 1.0 },
    { name: 'early estimate, pause before', estimate: 0.9, end: 1.8, spans: [[0.2, 0.6, 70], [1.0, 1.3, 65], [1.37, 1.8, 68]], want: 1.0 },
    // Run on from the word before: nothing to find, the estimate stands.
    { name: 'no pause', estimate: 1.05, end: 1.8, spans: [[0.2, 1.8, 66]], want: 1.05 },
    // A noisy room: the floor is high, the range small; quiet is judged against the floor.
    { name: 'noisy room', estimate: 1.1, end: 1.8, spans: [[0.2, 0.8, 62], [1.0, 1.8, 60]], want: 1.0 },
    // Too little between floor and peak: the levels say nothing.
    { name: 'no range', estimate: 1.1, end: 1.8, spans: [[0.2, 0.8, 26], [1.0, 1.8, 27]], want: 1.1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const floor = c.name === 'noisy room' ? 45 : 20;
      expect(wordOnset(c.estimate, c.end, floor, levels(c.spans, floor))).toBeCloseTo(c.want, 6);
    });
  }

  it('keeps the estimate where the levels are no longer known', () => {
    expect(wordOnset(1.2, 1.8, 20, (t) => (t < 1.0 ? undefined : t < 1.1 ? 20 : 70))).toBe(1.2);
  });
});

describe('word end', () => {
  it('is the end of the last loud frame before the detection, not the detection', () => {
    const at = levels([[1.0, 1.5, 70]]);
    expect(wordEnd(1.0, 1.7, 20, at)).toBeCloseTo(1.5, 6);
  });
  it('keeps a weak final sound ("replies": its /z/ is speech, well over the floor)', () => {
    const at = levels([[1.0, 1.4, 70], [1.4, 1.55, 45]]);
    expect(wordEnd(1.0, 1.7, 20, at)).toBeCloseTo(1.55, 6);
  });
  it('stays at the detection when speech goes on up to it, or the levels say nothing', () => {
    expect(wordEnd(1.0, 1.7, 20, levels([[1.0, 2.0, 70]]))).toBeCloseTo(1.7, 6);
    expect(wordEnd(1.0, 1.7, 20, levels([[1.0, 1.5, 25]]))).toBeCloseTo(1.7, 6);
  });
});
