import type { Indicator, IndicatorState } from '../indicator/indicator';
import type { ServiceNotifier } from './notifier';

const STATUS: Record<IndicatorState, string> = {
  idle: 'starting',
  listening: 'listening',
  recording: 'recording a question',
  snapshot: 'snapshot taken',
  thinking: 'waiting for the answer',
  speaking: 'speaking the answer',
  error: 'error',
  'needs-setup': 'listening, but needs setup',
  muted: 'microphone off (muted)',
};

/** The indicator's states as systemd STATUS= lines (`systemctl status snapask`). */
export class StatusIndicator implements Indicator {
  constructor(
    private readonly notifier: ServiceNotifier,
    private readonly suffix: () => string = () => '',
  ) {}

  set(state: IndicatorState, detail?: string): void {
    this.notifier.status(`${STATUS[state]}${detail ? `: ${detail}` : ''}${this.suffix()}`);
  }
}
