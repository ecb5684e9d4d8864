import type { Frame } from './frame';
import type { FrameRingBuffer } from './ring-buffer';

/** Picks the snapshot for a word spoken from `start` to `until` among the buffered frames. */
export type FrameChooser = (ring: FrameRingBuffer, start: number, until?: number) => Frame | undefined;

/** The frame nearest the word's start, never one from before it. */
export const firstAtOrAfter: FrameChooser = (ring, start) => {
  const f = ring.firstAtOrAfter(start);
  return f && f.t >= start ? f : undefined;
};

/**
 * The sharpest frame captured while the word was spoken (from its start to
 * `until`), by `measure`; the first one wins a tie. Measures are kept per
 * frame, so a frame is decoded at most once however often it is considered.
 */
export function sharpestWithin(measure: (jpeg: Buffer) => number): FrameChooser {
  const seen = new WeakMap<Frame, number>();
  const score = (f: Frame) => {
    let s = seen.get(f);
    if (s === undefined) {
      s = measure(f.jpeg);
      seen.set(f, s);
    }
    return s;
  };
  return (ring, start, until) => {
    const first = firstAtOrAfter(ring, start);
    if (!first || until === undefined) return first;
    let best = first;
    let bestScore = score(first);
    for (const f of ring.between(first.t, until)) {
      if (f === first) continue;
      const s = score(f);
      if (s > bestScore) {
        best = f;
        bestScore = s;
      }
    }
    return best;
  };
}
