import type { GpioLine } from './gpio-line';
import type { Indicator, IndicatorState } from './indicator';

/** One LED per state; any may be left out. */
export type LedName = Exclude<IndicatorState, 'idle'>;
export const LED_NAMES: LedName[] = ['listening', 'recording', 'snapshot', 'thinking', 'speaking', 'error'];

/**
 * The status LEDs. One state's LED is lit at a time; "snapshot" is a flash on
 * its own LED over whatever else is lit, because the turn logic moves on to
 * the next state at once. "idle" (starting, stopped) is all dark.
 */
export class GpioLedIndicator implements Indicator {
  private current: IndicatorState = 'idle';
  private flash?: NodeJS.Timeout;

  constructor(
    private readonly leds: Partial<Record<LedName, GpioLine>>,
    private readonly flashMs: number,
  ) {}

  get state(): IndicatorState {
    return this.current;
  }

  set(state: IndicatorState): void {
    if (state === 'snapshot') {
      this.leds.snapshot?.write(1);
      clearTimeout(this.flash);
      this.flash = setTimeout(() => this.leds.snapshot?.write(0), this.flashMs);
      return;
    }
    this.current = state;
    for (const name of LED_NAMES) {
      if (name !== 'snapshot') this.leds[name]?.write(name === state ? 1 : 0);
    }
  }

  close(): void {
    clearTimeout(this.flash);
    for (const line of Object.values(this.leds)) line?.close();
  }
}
