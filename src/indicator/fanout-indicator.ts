import type { Indicator, IndicatorState } from './indicator';

/**
 * Several reporters of one state (LEDs, the log, systemd's STATUS=), plus the
 * "question being recorded" state, which the turn logic does not know: while
 * a question is open, "listening" shows as "recording".
 */
export class FanoutIndicator implements Indicator {
  private last: IndicatorState = 'idle';
  private questionOpen = false;

  constructor(private readonly targets: Indicator[]) {}

  get state(): IndicatorState {
    return this.last;
  }

  set(state: IndicatorState, detail?: string): void {
    this.last = state;
    const shown = state === 'listening' && this.questionOpen ? 'recording' : state;
    for (const t of this.targets) t.set(shown, detail);
  }

  /** Words of a new question were heard (or a snapshot taken). */
  questionStarted(): void {
    if (this.questionOpen) return;
    this.questionOpen = true;
    if (this.last === 'listening') this.set('listening');
  }

  /** The question went out ("reply", the button) or was dropped. */
  questionEnded(): void {
    if (!this.questionOpen) return;
    this.questionOpen = false;
    if (this.last === 'listening') this.set('listening');
  }
}
