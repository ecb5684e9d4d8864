import type { Frame } from '../camera/frame';
import type { IndicatorState } from '../indicator/indicator';

/** The microphone's level over the last moment, dBFS. */
export interface MicLevel {
  /** Loudness of the last chunk (RMS). */
  rmsDb: number;
  /** Loudest sample of the last chunk. */
  peakDb: number;
  /** The room's quiet level: the lowest chunk loudness of the last seconds. */
  floorDb: number;
  /** Samples at full scale in the last second. */
  clipped: number;
}

/** What the device is doing, as the console shows it. */
export interface DeviceActivity {
  /** The LED lit now. */
  led: IndicatorState;
  /** In words: listening, question open with 2 pictures, thinking, speaking. */
  doing: string;
  /** Pictures of the question being asked. */
  pictures: number;
  camera: 'running' | 'none' | 'stills only';
}

/**
 * The narrow view of the device the console needs, given by the service from its own parts (the ring buffer,
 * the microphone's chunks, the indicator): the console never opens a device itself.
 */
export interface ConsoleDevices {
  /** The newest buffered camera frame: a lookup, the frame is not taken from the ring buffer. */
  latestFrame(): Frame | undefined;
  micLevel(): MicLevel;
  activity(): DeviceActivity;
  /** Called whenever `activity()` changes; returns a function that stops it. */
  onActivity(listener: (a: DeviceActivity) => void): () => void;
  /** Says a short line on the speaker (after whatever is being said). */
  say(text: string): void;
}
