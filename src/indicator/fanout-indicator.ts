import type { Indicator, IndicatorState } from './indicator';

/**
 * Several reporters of one state (LEDs, the log, systemd's STATUS=), plus the
 * "question being recorded" state, which the turn logic does not know: while
 * a question is open, "listening" shows as "recording".
 */
export class FanoutIndicator implements Indicator {
  private last: IndicatorState = 'idle';
  private lastDetail?: string;
  private questionOpen = false;
  private setup?: string;
  private mutedNow = false;

  constructor(private readonly targets: Indicator[]) {}

  get state(): IndicatorState {
    return this.last;
  }

  set(state: IndicatorState, detail?: string): void {
    this.last = state;
    this.lastDetail = detail;
    const shown = this.shown;
    for (const t of this.targets) t.set(shown, shown === 'needs-setup' && !detail ? this.setup : detail);
  }

  /**
   * Something only a person can give is missing (the API key: `what` says so), or no longer (undefined):
   * meanwhile "listening" shows as "needs-setup".
   */
  needsSetup(what: string | undefined): void {
    if (this.setup === what) return;
    this.setup = what;
    if (this.last === 'listening') this.set('listening', this.lastDetail);
  }

  /** The microphone is off (true) or on again: meanwhile "listening" shows as "muted". */
  muted(on: boolean): void {
    if (this.mutedNow === on) return;
    this.mutedNow = on;
    if (this.last === 'listening') this.set('listening', this.lastDetail);
  }

  /** What only a person can give and is missing (shown as needs-setup), if anything. */
  get setupNeeded(): string | undefined {
    return this.setup;
  }

  /** What is shown now: the last state with the question, mute and setup applied. */
  get shown(): IndicatorState {
    const state = this.last;
    return state !== 'listening' ? state : this.mutedNow ? 'muted' : this.questionOpen ? 'recording' : this.setup ? 'needs-setup' : state;
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
