import type { Indicator, IndicatorState } from '../indicator/indicator';
import type { TurnEvent } from '../turn/turn-events';
import type { DeviceActivity } from './console-devices';

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

/**
 * What the device is doing, for the console: the LED state (it is one of the indicator's reporters) and the
 * pictures of the open question (from the turn events). Listeners hear each change.
 */
export class ActivityTracker implements Indicator {
  private led: IndicatorState = 'idle';
  private detail?: string;
  private pictures = 0;
  private readonly listeners = new Set<(a: DeviceActivity) => void>();

  constructor(private readonly camera: DeviceActivity['camera']) {}

  set(state: IndicatorState, detail?: string): void {
    // The snapshot LED only flashes over the others: the picture count says it.
    if (state === 'snapshot') return;
    this.led = state;
    this.detail = detail;
    this.changed();
  }

  onTurnEvent(e: TurnEvent): void {
    if (e.event === 'snapshot') this.pictures++;
    else if (e.event === 'queued' || e.event === 'message' || e.event === 'cancelled') this.pictures = 0;
    else return;
    this.changed();
  }

  current(): DeviceActivity {
    let doing = DOING[this.led];
    if (this.led === 'recording' || (this.pictures && this.led === 'listening')) doing = `question open with ${this.pictures} picture${this.pictures === 1 ? '' : 's'}`;
    if (this.led === 'error' && this.detail) doing = `error: ${this.detail}`;
    return { led: this.led, doing, pictures: this.pictures, camera: this.camera };
  }

  onChange(listener: (a: DeviceActivity) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    const a = this.current();
    for (const l of this.listeners) l(a);
  }
}
