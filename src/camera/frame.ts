/** One camera frame: a complete JPEG and its capture time on the shared clock. */
export interface Frame {
  jpeg: Buffer;
  /** Capture time, seconds on the shared clock. */
  t: number;
  /** Sequence number since the source started (0-based). */
  index: number;
}

/**
 * A running camera. Frames go into a ring buffer as they are captured, so the
 * frame at any recent instant can be taken after the fact.
 */
export interface FrameSource {
  start(): Promise<void>;
  /** The first buffered frame captured at or after `t`; the latest one if none is that recent yet. */
  frameAt(t: number): Frame | undefined;
  stop(): Promise<void>;
}
