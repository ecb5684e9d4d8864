import type { Frame } from './frame';
import type { FrameRingBuffer } from './ring-buffer';

/** Picks the snapshot for a word spoken from `start` to `until` among the buffered frames. */
export interface FrameChooser {
  choose(ring: FrameRingBuffer, start: number, until?: number): Frame | undefined;
  /** A frame was just buffered: a chooser that scores frames does it now, off the snapshot's path. */
  buffered?(frame: Frame): void;
}

/** The frame nearest the word's start, never one from before it. */
export const firstAtOrAfter: FrameChooser = {
  choose(ring, start) {
    const f = ring.firstAtOrAfter(start);
    return f && f.t >= start ? f : undefined;
  },
};

/**
 * The sharpest frame captured while the word was spoken (from its start to
 * `until`), by `measure`; the first one wins a tie. Each frame is scored once,
 * as it is buffered, so a snapshot only compares numbers.
 */
export function sharpestWithin(measure: (jpeg: Buffer) => number): FrameChooser {
  const scores = new WeakMap<Frame, number>();
  const score = (f: Frame) => {
    let s = scores.get(f);
    if (s === undefined) {
      s = measure(f.jpeg);
      scores.set(f, s);
    }
    return s;
  };
  return {
    buffered: (f) => void score(f),
    choose(ring, start, until) {
      const first = firstAtOrAfter.choose(ring, start);
      if (!first || until === undefined) return first;
      let best = first;
      let bestScore = score(first);
      for (const f of ring.between(first.t, until)) {
        const s = score(f);
        if (s > bestScore) {
          best = f;
          bestScore = s;
        }
      }
      return best;
    },
  };
}
