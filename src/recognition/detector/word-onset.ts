import { FRAME_SECONDS } from '../../audio/audio-analysis';
/** A pause is this long: longer than the closure of a stop inside a word ("snap-shot"), shorter than a pause before a command. */
export const PAUSE_SECONDS = 0.15;
/** Where the pause may end, around the heads' estimate of the start: their read-out is off by up to a quarter second on slow voices. */
const SEARCH_BEFORE = 0.5;
const SEARCH_AFTER = 0.2;
/** Quiet is nearer the room's floor than the word's peak: below this share of the way up. */
const QUIET_SHARE = 0.3;
/** Under this many dB between floor and peak the levels cannot tell a pause from the word. */
const MIN_RANGE_DB = 12;

/** The level under which a frame is quiet, judged on the word's peak in [from, to); undefined when the range is too small to tell. */
export function quietLevel(from: number, to: number, floor: number, levelAt: (t: number) => number | undefined): number | undefined {
  let peak = -Infinity;
  for (let t = from; t < to; t += FRAME_SECONDS) peak = Math.max(peak, levelAt(t) ?? -Infinity);
  return peak - floor >= MIN_RANGE_DB ? floor + QUIET_SHARE * (peak - floor) : undefined;
}

/**
 * Where a spotted word began, from the levels of the audio (10 ms frames, dB): the end of the pause before it,
 * when there is one near the heads' estimate `estimate`; otherwise the estimate itself (a word run on from the
 * one before it has no pause to find). `levelAt(t)` gives the level of the frame starting at time t, if known;
 * `floor` is the room's noise floor and `end` the word's end.
 */
export function wordOnset(estimate: number, end: number, floor: number, levelAt: (t: number) => number | undefined): number {
  const quiet = quietLevel(estimate, end, floor, levelAt);
  if (quiet === undefined) return estimate;
  const need = Math.round(PAUSE_SECONDS / FRAME_SECONDS);
  // Backwards from the latest place the word may start: the first pause found is the one right before the word.
  const last = Math.min(estimate + SEARCH_AFTER, end - PAUSE_SECONDS);
  let run = 0;
  let onset: number | undefined;
  for (let t = last; t >= estimate - SEARCH_BEFORE; t -= FRAME_SECONDS) {
    const level = levelAt(t);
    if (level === undefined) return estimate;
    if (level < quiet) {
      if (++run >= need && onset !== undefined) return onset;
    } else {
      run = 0;
      onset = t;
    }
  }
  return estimate;
}

/** How far before the detection the word's end is looked for: the heads fire up to a quarter second after it. */
const END_SEARCH = 0.3;

/**
 * Where a spotted word ended: the end of the last frame loud enough to be speech (as wordOnset judges it) at or
 * before `detected`, within END_SEARCH; `detected` itself when the levels cannot tell. The rules that judge the
 * sound at the word's end ("replies" ends in frication) need it there, not where the heads fired.
 */
export function wordEnd(start: number, detected: number, floor: number, levelAt: (t: number) => number | undefined): number {
  const quiet = quietLevel(start, detected, floor, levelAt);
  if (quiet === undefined) return detected;
  for (let t = detected - FRAME_SECONDS; t >= Math.max(start, detected - END_SEARCH); t -= FRAME_SECONDS) {
    const level = levelAt(t);
    if (level === undefined) return detected;
    if (level >= quiet) return Math.min(detected, t + FRAME_SECONDS);
  }
  return detected;
}
