/**
 * One clock for every device. Audio chunks and camera frames carry capture
 * times in seconds on it, so "the frame at the moment the word began" is a
 * comparison of two numbers, not a guess about delays.
 */
export interface Clock {
  /** Seconds on a monotonic time line. */
  now(): number;
}

/** Wall-independent monotonic time (immune to NTP steps on a Pi that boots without RTC). */
export class MonotonicClock implements Clock {
  now(): number {
    return Number(process.hrtime.bigint()) / 1e9;
  }
}

/**
 * A clock that only moves when told to: replays run as fast as the CPU allows
 * while every component still sees consistent capture times.
 */
export class VirtualClock implements Clock {
  private t: number;
  constructor(start = 0) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  advanceTo(t: number): void {
    if (t > this.t) this.t = t;
  }
}
