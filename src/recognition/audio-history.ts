/**
 * Recent audio kept by a recogniser: the last few seconds of PCM (to feed a
 * decoder again after restarting it) and the level of every 10 ms frame (to
 * check for a pause after a spotted keyword). Both are indexed by the running
 * sample count of the stream.
 */

export const FRAME_SAMPLES = 160; // 10 ms at 16 kHz

/** A ring of the most recent PCM samples. */
export class PcmHistory {
  private readonly buf: Int16Array;
  private end = 0; // samples written so far (index one past the newest)

  constructor(capacitySamples: number) {
    this.buf = new Int16Array(capacitySamples);
  }

  push(pcm: Buffer): void {
    const n = pcm.length >> 1;
    for (let i = 0; i < n; i++) this.buf[(this.end + i) % this.buf.length] = pcm.readInt16LE(i * 2);
    this.end += n;
  }

  /** Oldest sample index still held. */
  get start(): number {
    return Math.max(0, this.end - this.buf.length);
  }

  /** Samples [from, to) as S16LE (clamped to what is held). */
  slice(from: number, to: number): Buffer {
    const a = Math.max(from, this.start);
    const b = Math.min(to, this.end);
    const out = Buffer.alloc(Math.max(0, b - a) * 2);
    for (let s = a; s < b; s++) out.writeInt16LE(this.buf[s % this.buf.length]!, (s - a) * 2);
    return out;
  }
}

/** Level (dB of mean square, 0 dB = 1 LSB^2) of every complete 10 ms frame, for the last `capacityFrames` frames. */
export class FrameLevels {
  private readonly levels: Float32Array;
  private frames = 0; // complete frames so far
  private acc = 0;
  private accN = 0;
  private sorted = new Float32Array(0);

  constructor(capacityFrames: number) {
    this.levels = new Float32Array(capacityFrames);
  }

  push(pcm: Buffer): void {
    const n = pcm.length >> 1;
    for (let i = 0; i < n; i++) {
      const v = pcm.readInt16LE(i * 2);
      this.acc += v * v;
      if (++this.accN === FRAME_SAMPLES) {
        this.levels[this.frames % this.levels.length] = 10 * Math.log10(this.acc / FRAME_SAMPLES + 1e-3);
        this.frames++;
        this.acc = 0;
        this.accN = 0;
      }
    }
  }

  /** Number of complete frames so far. */
  get count(): number {
    return this.frames;
  }

  /** Level of frame `f`, or undefined if not (or no longer) available. */
  at(f: number): number | undefined {
    if (f < 0 || f >= this.frames || f < this.frames - this.levels.length) return undefined;
    return this.levels[f % this.levels.length];
  }

  /** The p-quantile (0..1) of the levels of frames [from, to) that are available. */
  quantile(from: number, to: number, p: number): number | undefined {
    return this.quantiles(from, to, [p])?.[0];
  }

  /** Several quantiles of the same frames, sorted once. */
  quantiles(from: number, to: number, ps: number[]): number[] | undefined {
    const a = Math.max(from, 0, this.frames - this.levels.length);
    const b = Math.min(to, this.frames);
    if (b <= a) return undefined;
    // Callers ask every 10 ms over 1000 frames: a typed array's own numeric sort, not a comparator, keeps that cheap.
    const vals = this.sorted.length >= b - a ? this.sorted.subarray(0, b - a) : (this.sorted = new Float32Array(b - a));
    for (let f = a; f < b; f++) vals[f - a] = this.levels[f % this.levels.length]!;
    vals.sort();
    return ps.map((p) => vals[Math.min(vals.length - 1, Math.floor(p * (vals.length - 1)))]!);
  }
}

/**
 * Which of the last `capacityFrames` complete 10 ms frames are shaped like frication (/s/, /z/, /f/):
 * many zero crossings (over 3 kHz) and most energy in the highs (the first difference keeps at least
 * -4 dB of it; voiced sounds keep -12 to -25 dB). The shape, not the level: callers judge that.
 */
export class FrameFrication {
  private readonly marks: Uint8Array;
  private frames = 0;
  private energy = 0;
  private diff = 0;
  private crossings = 0;
  private n = 0;
  private prev = 0;

  static readonly MIN_CROSSINGS = 30;
  static readonly MIN_HIGH_SHARE = 10 ** (-4 / 10);

  constructor(capacityFrames: number) {
    this.marks = new Uint8Array(capacityFrames);
  }

  push(pcm: Buffer): void {
    const n = pcm.length >> 1;
    for (let i = 0; i < n; i++) {
      const v = pcm.readInt16LE(i * 2);
      this.energy += v * v;
      this.diff += (v - this.prev) * (v - this.prev);
      if (v >= 0 !== this.prev >= 0) this.crossings++;
      this.prev = v;
      if (++this.n === FRAME_SAMPLES) {
        const fricative = this.crossings >= FrameFrication.MIN_CROSSINGS && this.diff >= this.energy * FrameFrication.MIN_HIGH_SHARE && this.energy > 0;
        this.marks[this.frames % this.marks.length] = fricative ? 1 : 0;
        this.frames++;
        this.energy = this.diff = this.crossings = this.n = 0;
      }
    }
  }

  get count(): number {
    return this.frames;
  }

  /** Is frame `f` frication-shaped (false when not, or no longer, known)? */
  at(f: number): boolean {
    if (f < 0 || f >= this.frames || f < this.frames - this.marks.length) return false;
    return this.marks[f % this.marks.length] === 1;
  }
}
