/** A fixed delay for 16-bit samples: what goes in comes out `samples` later (zeros first). */
export class DelayLine {
  private readonly ring: Int16Array;
  private at = 0;

  constructor(readonly samples: number) {
    this.ring = new Int16Array(samples);
  }

  /** Replaces each sample of `frame` by the one `samples` before it, in place. */
  run(frame: Int16Array): void {
    if (this.samples === 0) return;
    for (let i = 0; i < frame.length; i++) {
      const v = frame[i]!;
      frame[i] = this.ring[this.at]!;
      this.ring[this.at] = v;
      this.at = (this.at + 1) % this.samples;
    }
  }
}
