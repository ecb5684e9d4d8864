import type { AudioChunk } from './audio-source';
import { SAMPLE_RATE } from './audio-source';

/**
 * The one analysis of the microphone's level that every listener reads (the cleaner, the reply gate, the
 * engines, the turn's speech activity), declared once: 10 ms frames, their level in dB of mean square
 * (0 dB = 1 LSB^2, digital silence -30), the room's noise floor, which frames are speech, which are shaped like
 * frication, and whether the room is noisy.
 */
export const FRAME_SAMPLES = 160;
export const FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE;
/**
 * The noise floor before a frame: this quantile of the levels of the last FLOOR_WINDOW_FRAMES frames (5 s: a
 * new noise is the floor, and the room noisy, 4.75 s after it starts)...
 */
export const FLOOR_QUANTILE = 0.05;
export const FLOOR_WINDOW_FRAMES = 500;
/** ...once half a second has been heard (unknown, -Infinity, before): noise is suppressed from then on. */
export const FLOOR_MIN_FRAMES = 50;
/**
 * How far the room's loud frames (this quantile of the same window) stand over its floor: about the SNR plus
 * 8 dB on the bench's voices in pink noise (26 to 29 at 20 dB SNR, 17 to 19 at 10 dB).
 */
export const LOUD_QUANTILE = 0.98;
/** A frame is speech this far over the floor and over an absolute level (about -60 dBFS). */
export const SPEECH_ABOVE_FLOOR_DB = 12;
export const SPEECH_MIN_DB = 30;
/**
 * The room is noisy (there is noise to take out, and the rules that differ in noise apply) when its floor is
 * over this (about -50 dBFS). In a quiet room suppression only costs (measured on the tuning set: 3 of 60 clean
 * "reply" lost at -10 dB); pink noise at 20 dB SNR under the bench's voices reads over it.
 */
export const NOISY_FLOOR_DB = 40;
/** A sample this close to full scale is clipped. */
export const FULL_SCALE = 32700;
/** A level of this analysis (dB of mean square over 1 LSB^2) in dBFS (full scale 32768). */
export const levelDbfs = (level: number): number => level - 20 * Math.log10(32768);
/** Frames kept for looking back (20 s: longer than any consumer looks). */
const HISTORY_FRAMES = 2000;
/** Frication: this many zero crossings in a frame (over 3 kHz)... */
const FRICATION_MIN_CROSSINGS = 30;
/** ...and most of its energy in the highs (its first difference keeps at least -4 dB of it; voiced sounds keep -12 to -25 dB). */
const FRICATION_MIN_HIGH_SHARE = 10 ** (-4 / 10);

/** The frames a chunk completed, [from, to), in the analysis of the audio it belongs to. */
export interface ChunkAnalysis {
  of: AudioAnalysis;
  from: number;
  to: number;
}

/**
 * The analysis of one stream of audio, chunk by chunk: frame `f` covers the stream's samples [160 f, 160 f + 160).
 * Whoever holds the stream first analyses it (push) and hands the result on with the chunk (AudioChunk.analysis);
 * everything downstream reads the same figures.
 */
export class AudioAnalysis {
  private readonly levels = new Float32Array(HISTORY_FRAMES);
  private readonly floors = new Float32Array(HISTORY_FRAMES);
  private readonly starts = new Float64Array(HISTORY_FRAMES);
  private readonly fricative = new Uint8Array(HISTORY_FRAMES);
  private readonly peaks = new Uint16Array(HISTORY_FRAMES);
  private readonly clips = new Uint8Array(HISTORY_FRAMES);
  /** The last FLOOR_WINDOW_FRAMES levels, sorted: the floor is read off it, kept up to date frame by frame. */
  private readonly window = new Float32Array(FLOOR_WINDOW_FRAMES);
  private frames = 0;
  private energy = 0;
  private diff = 0;
  private crossings = 0;
  private n = 0;
  private prev = 0;
  private peak = 0;
  private clipped = 0;
  private frameStart = 0;

  /** Analyses the chunk's samples; returns the frames it completed. */
  push(chunk: AudioChunk): ChunkAnalysis {
    const from = this.frames;
    const pcm = chunk.pcm;
    const n = pcm.length >> 1;
    for (let i = 0; i < n; i++) {
      if (this.n === 0) this.frameStart = chunk.t + i / SAMPLE_RATE;
      const v = pcm.readInt16LE(i * 2);
      this.energy += v * v;
      const d = v - this.prev;
      this.diff += d * d;
      if (v >= 0 !== this.prev >= 0) this.crossings++;
      this.prev = v;
      const a = v < 0 ? -v : v;
      if (a > this.peak) this.peak = a;
      if (a >= FULL_SCALE) this.clipped++;
      if (++this.n === FRAME_SAMPLES) this.endFrame();
    }
    return { of: this, from, to: this.frames };
  }

  /** Complete frames so far. */
  get count(): number {
    return this.frames;
  }

  /** Frame `f`'s level, dB; undefined when not heard yet or no longer kept. */
  levelAt(f: number): number | undefined {
    return this.kept(f) ? this.levels[f % HISTORY_FRAMES] : undefined;
  }

  /** The noise floor before frame `f` (over the frames before it); -Infinity until known. For f = count, the floor now. */
  floorAt(f: number): number {
    if (f === this.frames) return this.currentFloor();
    return this.kept(f) ? this.floors[f % HISTORY_FRAMES]! : -Infinity;
  }

  /** The noise floor now. */
  get floor(): number {
    return this.currentFloor();
  }

  /** Is frame `f` speech: over the floor by SPEECH_ABOVE_FLOOR_DB and over SPEECH_MIN_DB? */
  speechAt(f: number): boolean {
    const level = this.levelAt(f);
    return level !== undefined && level > speechThreshold(this.floorAt(f));
  }

  /** Is frame `f` shaped like frication (/s/, /z/, /f/)? The shape only: callers judge the level. */
  fricativeAt(f: number): boolean {
    return this.kept(f) && this.fricative[f % HISTORY_FRAMES] === 1;
  }

  /** Is the room noisy before frame `f` (see NOISY_FLOOR_DB)? */
  noisyAt(f: number): boolean {
    return this.floorAt(f) > NOISY_FLOOR_DB;
  }

  /** Is the room noisy now? */
  get noisy(): boolean {
    return this.noisyAt(this.frames);
  }

  /** The room's loud frames over its floor now, dB (see LOUD_QUANTILE); Infinity until the floor is known. */
  get range(): number {
    if (this.frames < FLOOR_MIN_FRAMES) return Infinity;
    const size = Math.min(this.frames, FLOOR_WINDOW_FRAMES);
    return this.window[Math.floor(LOUD_QUANTILE * (size - 1))]! - this.currentFloor();
  }

  /** Frame `f`'s loudest sample (absolute), 0 when not kept. */
  peakAt(f: number): number {
    return this.kept(f) ? this.peaks[f % HISTORY_FRAMES]! : 0;
  }

  /** Frame `f`'s samples at full scale (FULL_SCALE or over), 0 when not kept. */
  clippedAt(f: number): number {
    return this.kept(f) ? this.clips[f % HISTORY_FRAMES]! : 0;
  }

  /** When frame `f` began, on the chunks' clock (undefined when not kept). */
  startOf(f: number): number | undefined {
    return this.kept(f) ? this.starts[f % HISTORY_FRAMES] : undefined;
  }

  /** The frame heard at time `t` (the last one begun by then), if kept. Follows gaps in the chunks' clock. */
  frameAt(t: number): number | undefined {
    let lo = Math.max(0, this.frames - HISTORY_FRAMES);
    let hi = this.frames - 1;
    if (hi < lo || t < this.starts[lo % HISTORY_FRAMES]! - 1e-6 || t >= this.starts[hi % HISTORY_FRAMES]! + FRAME_SECONDS) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid % HISTORY_FRAMES]! <= t + 1e-6) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private kept(f: number): boolean {
    return f >= 0 && f < this.frames && f >= this.frames - HISTORY_FRAMES;
  }

  private endFrame(): void {
    const f = this.frames;
    const i = f % HISTORY_FRAMES;
    const level = Math.fround(10 * Math.log10(this.energy / FRAME_SAMPLES + 1e-3));
    this.floors[i] = this.currentFloor();
    this.levels[i] = level;
    this.starts[i] = this.frameStart;
    this.peaks[i] = this.peak;
    this.clips[i] = this.clipped;
    this.fricative[i] = this.crossings >= FRICATION_MIN_CROSSINGS && this.energy > 0 && this.diff >= this.energy * FRICATION_MIN_HIGH_SHARE ? 1 : 0;
    // The window slides: the level leaving it out, this one in, the order kept.
    const size = Math.min(f, FLOOR_WINDOW_FRAMES);
    if (f >= FLOOR_WINDOW_FRAMES) {
      const out = lowerBound(this.window, size, this.levels[(f - FLOOR_WINDOW_FRAMES) % HISTORY_FRAMES]!);
      this.window.copyWithin(out, out + 1, size);
    }
    const kept = f >= FLOOR_WINDOW_FRAMES ? size - 1 : size;
    const at = lowerBound(this.window, kept, level);
    this.window.copyWithin(at + 1, at, kept);
    this.window[at] = level;
    this.frames++;
    this.energy = this.diff = this.crossings = this.n = this.peak = this.clipped = 0;
  }

  private currentFloor(): number {
    const size = Math.min(this.frames, FLOOR_WINDOW_FRAMES);
    if (this.frames < FLOOR_MIN_FRAMES) return -Infinity;
    return this.window[Math.floor(FLOOR_QUANTILE * (size - 1))]!;
  }
}

/** The level a frame must be over to be speech, given the floor before it. */
export function speechThreshold(floor: number): number {
  return Math.max(floor + SPEECH_ABOVE_FLOOR_DB, SPEECH_MIN_DB);
}

/** The first index in sorted `xs[0, n)` whose value is not below `v`. */
function lowerBound(xs: Float32Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The analysis handed on with `chunk`, or `own`'s of it when it came without one (a part used on its own, in tests and tools). */
export function analysisOf(chunk: AudioChunk, own: () => AudioAnalysis): ChunkAnalysis {
  return chunk.analysis ?? own().push(chunk);
}
