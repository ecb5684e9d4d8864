import type { Frame } from './frame';

export interface RingBufferLimits {
  /** Keep frames no older than this many seconds behind the newest. */
  seconds: number;
  /** And no more than this many bytes of JPEG in all. */
  maxBytes: number;
}

/**
 * The last few seconds of camera frames, in memory only (never on the SD card),
 * bounded both by age and by bytes so a high resolution cannot grow it unseen.
 */
export class FrameRingBuffer {
  private frames: Frame[] = [];
  private head = 0; // index of the oldest live frame in `frames`
  private bytes = 0;

  constructor(private readonly limits: RingBufferLimits) {}

  get size(): number {
    return this.frames.length - this.head;
  }

  get byteSize(): number {
    return this.bytes;
  }

  push(frame: Frame): void {
    const newest = this.newest();
    if (newest && frame.t < newest.t) return; // out of order: a restart's stale frame; times must stay monotonic
    this.frames.push(frame);
    this.bytes += frame.jpeg.length;
    const oldestAllowed = frame.t - this.limits.seconds;
    while (this.size > 1 && (this.frames[this.head]!.t < oldestAllowed || this.bytes > this.limits.maxBytes)) {
      this.bytes -= this.frames[this.head]!.jpeg.length;
      this.head++;
    }
    // Compact now and then instead of shifting on every frame.
    if (this.head > 256 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
  }

  newest(): Frame | undefined {
    return this.size ? this.frames[this.frames.length - 1] : undefined;
  }

  oldest(): Frame | undefined {
    return this.size ? this.frames[this.head] : undefined;
  }

  /** The first frame captured at or after `t` (binary search); the newest if none is. */
  firstAtOrAfter(t: number): Frame | undefined {
    const i = this.indexAtOrAfter(t);
    return i < this.frames.length ? this.frames[i] : this.newest();
  }

  /** The frames captured from `from` to `to`, both included, oldest first. */
  *between(from: number, to: number): Generator<Frame> {
    for (let i = this.indexAtOrAfter(from); i < this.frames.length && this.frames[i]!.t <= to; i++) yield this.frames[i]!;
  }

  private indexAtOrAfter(t: number): number {
    let lo = this.head;
    let hi = this.frames.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.frames[mid]!.t < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  clear(): void {
    this.frames = [];
    this.head = 0;
    this.bytes = 0;
  }
}
