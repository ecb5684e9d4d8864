/**
 * Recent audio kept by a recogniser: the last few seconds of PCM (to feed a
 * decoder again after restarting it), indexed by the running sample count of
 * the stream. (Its levels are the stream's AudioAnalysis.)
 */

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
