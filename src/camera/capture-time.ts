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
 * is placed on that grid (or on the camera's own time line where it reports
 * one), and the grid is anchored on the least-delayed frame of the last few seconds:
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

  /**
   * The capture time of a frame that arrived at `arrival` (seconds, shared
   * clock). `sensorTime`, where the camera reports it (seconds on its own
   * clock, any origin), places the frame exactly on its time line, dropped
   * frames and all; without it the frame is placed on the nominal grid.
   */
  stamp(arrival: number, sensorTime?: number): number {
    const { period } = this.o;
    if (sensorTime !== undefined) {
      this.grid = sensorTime;
    } else if (this.window.length) {
      // One interval per frame, whatever the gap: a frame is only ever late, and a late frame (a burst after the
      // event loop was held up) taken for a dropped one would be stamped intervals after it was taken, so a
      // snapshot could keep a frame from before the word. A drop not counted makes the estimates early (a later
      // frame is kept), never late, until the least-delayed frame is one from after the drop (the window).
      // Only a gap no hold-up explains (a second) starts a new grid.
      const sinceBest = arrival - (this.grid + this.window[0]!.offset);
      if (sinceBest > Math.max(1, 15 * period)) this.reset();
      else this.grid += period;
    }
    const offset = arrival - this.grid;
    const horizon = this.grid - (this.o.windowSeconds ?? 1);
    while (this.window.length && this.window[0]!.grid < horizon) this.window.shift();
    // Keep the window's offsets increasing: an entry with a larger offset than a newer one can never be the minimum again.
    while (this.window.length && this.window[this.window.length - 1]!.offset >= offset) this.window.pop();
    this.window.push({ grid: this.grid, offset });
    return this.grid + this.window[0]!.offset - this.o.pipelineDelay;
  }
}
