import type { Frame } from '../camera/frame';
import type { IndicatorState } from '../indicator/indicator';

import type { MicLevel } from '../control/mic-meter';
import type { ServiceState } from '../control/device-control';

export type { MicLevel };

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
  /** Says a short line on the speaker (after whatever is being said); `offline`: never through a cloud voice. */
  say(text: string, o?: { offline?: boolean }): void;
}

const DOING: Record<IndicatorState, string> = {
  idle: 'starting',
  listening: 'listening',
  recording: 'question open',
  snapshot: 'taking a picture',
  thinking: 'thinking',
  speaking: 'speaking',
  error: 'error',
  'needs-setup': 'listening, needs setup',
  muted: 'microphone off',
};

/** What the device is doing in the console's words, from the service's one record of it (its control). */
export function activityOf(control: { shownLed(): { state: IndicatorState; detail?: string }; current(): ServiceState }, camera: DeviceActivity['camera']): DeviceActivity {
  const { state: led, detail } = control.shownLed();
  const { pictures } = control.current();
  let doing = DOING[led];
  if (led === 'recording' || (pictures && led === 'listening')) doing = `question open with ${pictures} picture${pictures === 1 ? '' : 's'}`;
  if (led === 'error' && detail) doing = `error: ${detail}`;
  return { led, doing, pictures, camera };
}
