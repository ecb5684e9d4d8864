import { PressDecoder, type ButtonEvent } from '../../src/indicator/button';

/** Feeds levels at given times, then lets time run to `until` the way GpioButton's timer does. */
function decode(levels: Array<[number, boolean]>, until: number): ButtonEvent[] {
  const out: ButtonEvent[] = [];
  const d = new PressDecoder({ debounceSeconds: 0.03, longSeconds: 1.5 }, (e) => out.push(e));
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
});
