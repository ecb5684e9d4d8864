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
  /**
   * The snapshot for a word spoken from `t` to `until`: a buffered frame
   * captured at or after `t` (the first one, or the sharpest one before `until`
   * where the source is set up to choose); undefined if the camera has none that
   * recent (it is not running, or has stalled).
   */
  frameAt(t: number, until?: number): Frame | undefined;
  /**
   * For a camera that cannot keep the past (a still camera): take a picture
   * now, for a word that began at `t`. Undefined when it could not.
   */
  capture?(t: number): Promise<Frame | undefined>;
  /** The newest buffered frame, for a preview: a lookup that takes nothing from the buffer. */
  latest?(): Frame | undefined;
  stop(): Promise<void>;
}
