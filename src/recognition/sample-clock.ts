import { SAMPLE_RATE } from '../audio/audio-source';

/**
 * Maps a running sample count (every sample fed to a recogniser, in order) to
 * times on the chunks' clock. Chunks normally follow each other without gaps,
 * so only chunks whose capture time departs from the extrapolated one by more
 * than `tolerance` seconds become anchors: memory stays small in a long stream
 * while a gap or clock step is still honoured from its first sample on.
 */
export class SampleClock {
  private readonly anchors: Array<{ sample: number; t: number }> = [];
  private fed = 0;

  constructor(private readonly tolerance = 0.002) {}

  /** Registers the next chunk; returns the index of its first sample. */
  push(t: number, nSamples: number): number {
    if (!Number.isFinite(t)) throw new RangeError(`chunk time must be a finite number, got ${t}`);
    const first = this.fed;
    const last = this.anchors[this.anchors.length - 1];
    if (!last || Math.abs(last.t + (first - last.sample) / SAMPLE_RATE - t) > this.tolerance) this.anchors.push({ sample: first, t });
    this.fed += nSamples;
    return first;
  }

  /** Samples registered so far (the index one past the last sample). */
  get samples(): number {
    return this.fed;
  }

  /** Clock time of a sample index (may be fractional or one past the end). */
  timeAt(sample: number): number {
    const a = this.anchors;
    if (a.length === 0) return sample / SAMPLE_RATE;
    let lo = 0;
    let hi = a.length - 1;
    if (sample < a[0]!.sample) return a[0]!.t + (sample - a[0]!.sample) / SAMPLE_RATE;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a[mid]!.sample <= sample) lo = mid;
      else hi = mid - 1;
    }
    const anchor = a[lo]!;
    return anchor.t + (sample - anchor.sample) / SAMPLE_RATE;
  }

  /** Drops anchors no longer needed to time samples at or after `sample`. */
  forgetBefore(sample: number): void {
    let keep = 0;
    while (keep + 1 < this.anchors.length && this.anchors[keep + 1]!.sample <= sample) keep++;
    if (keep > 0) this.anchors.splice(0, keep);
  }
}
