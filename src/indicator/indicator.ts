import type { Logger } from 'pino';

/**
 * What the status LEDs show. "needs-setup": listening, but something only a person can give is missing
 * (the OpenAI API key): questions are kept until it is there. The error LED blinks slowly.
 * "muted": the microphone is off (a double press of the button): nothing is heard or kept; the listening LED flashes briefly.
 */
export type IndicatorState = 'idle' | 'listening' | 'recording' | 'snapshot' | 'thinking' | 'speaking' | 'error' | 'needs-setup' | 'muted';

export interface Indicator {
  set(state: IndicatorState, detail?: string): void;
}

/** Without GPIO (a laptop, CI, a replay) the LEDs' states go to the log. */
export class LogIndicator implements Indicator {
  private current: IndicatorState = 'idle';
  constructor(private readonly log: Logger) {}

  get state(): IndicatorState {
    return this.current;
  }

  set(state: IndicatorState, detail?: string): void {
    this.current = state;
    this.log.info({ indicator: state, ...(detail ? { detail } : {}) }, `indicator ${state}`);
  }
}
