import { PressDecoder, type ButtonEvent } from '../../src/indicator/button';

/** Feeds levels at given times, then lets time run to `until` the way GpioButton's timer does. */
function decode(levels: Array<[number, boolean]>, until: number, doubleSeconds?: number): ButtonEvent[] {
  const out: ButtonEvent[] = [];
  const d = new PressDecoder({ debounceSeconds: 0.03, longSeconds: 1.5, ...(doubleSeconds ? { doubleSeconds } : {}) }, (e) => out.push(e));
  let next: number | undefined;
  const runTo = (t: number) => {
    while (next !== undefined && next <= t) next = d.update(next);
  };
  for (const [t, pressed] of levels) {
    runTo(t);
    next = d.level(pressed, t);
  }
  runTo(until);
  return out;
}

describe('PressDecoder', () => {
  it('a clean short press is one "short" at the moment it was pressed', () => {
    expect(decode([[1, true], [1.3, false]], 5)).toEqual([{ type: 'button', press: 'short', t: 1 }]);
  });

  it('contact bounce on press and release still makes one press', () => {
    const bouncy: Array<[number, boolean]> = [
      [1.0, true], [1.002, false], [1.004, true], [1.007, false], [1.009, true],
      [1.4, false], [1.401, true], [1.403, false],
    ];
    expect(decode(bouncy, 5)).toEqual([{ type: 'button', press: 'short', t: 1.009 }]);
  });

  it('a glitch shorter than the debounce time is no press', () => {
    expect(decode([[1, true], [1.02, false]], 5)).toEqual([]);
  });

  it('held 1.5 s is a long press, reported while still held, and the release adds nothing', () => {
    const out: ButtonEvent[] = [];
    const d = new PressDecoder({ debounceSeconds: 0.03, longSeconds: 1.5 }, (e) => out.push(e));
    expect(d.level(true, 10)).toBeCloseTo(10.03);
    expect(d.update(10.03)).toBeCloseTo(11.5);
    expect(out).toEqual([]);
    expect(d.update(11.5)).toBeUndefined();
    expect(out).toEqual([{ type: 'button', press: 'long', t: 10 }]);
    d.level(false, 14);
    d.update(14.1);
    expect(out).toHaveLength(1);
  });

  it('two presses in a row are two events', () => {
    expect(decode([[1, true], [1.2, false], [1.5, true], [1.6, false]], 5).map((e) => e.press)).toEqual(['short', 'short']);
  });

  describe('with double presses (doubleSeconds 0.4)', () => {
    it('two short presses, the second starting within 0.4 s of the end of the first, are one "double" at the first press', () => {
      expect(decode([[1, true], [1.15, false], [1.4, true], [1.5, false]], 5, 0.4)).toEqual([{ type: 'button', press: 'double', t: 1 }]);
    });

    it('a short press alone is reported once 0.4 s have passed without a second one, with its own press time', () => {
      const out: ButtonEvent[] = [];
      const d = new PressDecoder({ debounceSeconds: 0.03, longSeconds: 1.5, doubleSeconds: 0.4 }, (e) => out.push(e));
      d.level(true, 1);
      d.update(1.03);
      expect(d.level(false, 1.2)).toBeCloseTo(1.23);
      expect(d.update(1.23)).toBeCloseTo(1.6);
      expect(out).toEqual([]);
      d.update(1.6);
      expect(out).toEqual([{ type: 'button', press: 'short', t: 1 }]);
    });

    it('a second press after the window is a second short press, not a double', () => {
      expect(decode([[1, true], [1.15, false], [1.7, true], [1.8, false]], 5, 0.4).map((e) => e.press)).toEqual(['short', 'short']);
    });

    it('a short press followed by a long one is a short and a long; a bounce in the window is no second press', () => {
      expect(decode([[1, true], [1.15, false], [1.3, true], [3, false]], 5, 0.4).map((e) => e.press)).toEqual(['short', 'long']);
      expect(decode([[1, true], [1.15, false], [1.3, true], [1.31, false]], 5, 0.4)).toEqual([{ type: 'button', press: 'short', t: 1 }]);
    });

    it('a second press held past the window still makes a double when it ends short', () => {
      expect(decode([[1, true], [1.15, false], [1.5, true], [1.9, false]], 5, 0.4).map((e) => e.press)).toEqual(['double']);
    });
  });
});
