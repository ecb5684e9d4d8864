export interface CaptureTimeOptions {
  /** The camera's nominal frame interval, seconds. */
  period: number;
  /** Seconds from the shutter to a frame's last byte reaching us when nothing is in the way (readout, encode, pipe). */
  pipelineDelay: number;
  /** How far back the least-delayed frame is looked for, seconds. */
  windowSeconds?: number;
}

/**
 * Capture times from arrival times. A frame's arrival is its capture plus the
 * pipeline's delay plus whatever held it up (the event loop busy decoding
 * speech, the scheduler): arrival minus the delay alone would place a late
 * frame after the instant it was really taken, and a snapshot could then keep
 * a frame from before the word. Frames are taken at a steady rate, so each one
 * is placed on that grid (a gap of k intervals is k-1 dropped frames)
 * and the grid is anchored on the least-delayed frame of the last few seconds:
 * the estimate is never later than arrival minus the delay, and is off the
 * truth only by the smallest hold-up seen recently.
 */
export class CaptureTimeEstimator {
  private readonly window: { grid: number; offset: number }[] = [];
  private grid = 0;

  constructor(private readonly o: CaptureTimeOptions) {}

  /** A new process: its frames start a new grid. */
  reset(): void {
    this.window.length = 0;
    this.grid = 0;
  }

  /** The capture time of a frame that arrived at `arrival` (seconds, shared clock). */
  stamp(arrival: number): number {
    const { period } = this.o;
    if (this.window.length) {
      // Intervals since the last frame, counted from where it would have arrived with no hold-up: a frame
      // is only ever late, so a hold-up of up to 0.8 interval is not mistaken for a dropped frame.
      const sinceBest = arrival - (this.grid + this.window[0]!.offset);
      this.grid += period * Math.max(1, Math.floor(sinceBest / period + 0.2));
    }
    const offset = arrival - this.grid;
    const horizon = this.grid - (this.o.windowSeconds ?? 2);
    while (this.window.length && this.window[0]!.grid < horizon) this.window.shift();
    // Keep the window's offsets increasing: an entry with a larger offset than a newer one can never be the minimum again.
    while (this.window.length && this.window[this.window.length - 1]!.offset >= offset) this.window.pop();
    this.window.push({ grid: this.grid, offset });
    return this.grid + this.window[0]!.offset - this.o.pipelineDelay;
  }
}
