import type { GpioLine } from './gpio-line';
import type { Indicator, IndicatorState } from './indicator';

/** One LED per state; any may be left out. */
export type LedName = Exclude<IndicatorState, 'idle' | 'needs-setup'>;
export const LED_NAMES: LedName[] = ['listening', 'recording', 'snapshot', 'thinking', 'speaking', 'error'];

/**
 * The status LEDs. One state's LED is lit at a time; "snapshot" is a flash on
 * its own LED over whatever else is lit, because the turn logic moves on to
 * the next state at once. "idle" (starting, stopped) is all dark; "needs-setup" blinks the error LED slowly.
 */
export class GpioLedIndicator implements Indicator {
  private current: IndicatorState = 'idle';
  private flash?: NodeJS.Timeout;
  private blink?: NodeJS.Timeout;

  constructor(
    private readonly leds: Partial<Record<LedName, GpioLine>>,
    private readonly flashMs: number,
    private readonly blinkMs = 1000,
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
    clearInterval(this.blink);
    this.blink = undefined;
    for (const name of LED_NAMES) {
      if (name !== 'snapshot') this.leds[name]?.write(name === state || (name === 'error' && state === 'needs-setup') ? 1 : 0);
    }
    if (state === 'needs-setup') {
      // The error LED blinking slowly (1 s on, 1 s off): distinct from a lit error, which a fault leaves.
      let on = true;
      this.blink = setInterval(() => {
        on = !on;
        this.leds.error?.write(on ? 1 : 0);
      }, this.blinkMs);
      this.blink.unref();
    }
  }

  close(): void {
    clearTimeout(this.flash);
    clearInterval(this.blink);
    for (const line of Object.values(this.leds)) line?.close();
  }
}
