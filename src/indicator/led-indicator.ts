import type { GpioLine } from './gpio-line';
import type { Indicator, IndicatorState } from './indicator';

/** One LED per state; any may be left out. */
export type LedName = Exclude<IndicatorState, 'idle' | 'needs-setup' | 'muted'>;
export const LED_NAMES: LedName[] = ['listening', 'recording', 'snapshot', 'thinking', 'speaking', 'error'];

/**
 * The status LEDs. One state's LED is lit at a time; "snapshot" is a flash on
 * its own LED over whatever else is lit, because the turn logic moves on to
 * the next state at once. "idle" (starting, stopped) is all dark; "needs-setup" blinks the error LED slowly;
 * "muted" flashes the listening LED briefly every 2 s (alive, not listening). A test of the LEDs (snapask doctor)
 * lights them by hand for a moment (`override`), then gives them back to the states (`release`).
 */
export class GpioLedIndicator implements Indicator {
  private current: IndicatorState = 'idle';
  private flash?: NodeJS.Timeout;
  private blink?: NodeJS.Timeout;
  private overridden = false;

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
    if (this.overridden) return;
    this.show(state);
  }

  /** The LEDs present (those with a pin). */
  get names(): LedName[] {
    return LED_NAMES.filter((n) => this.leds[n]);
  }

  /** Lights exactly the LEDs in `lit` (a test), until `release`. */
  override(lit: LedName[]): void {
    this.overridden = true;
    clearInterval(this.blink);
    this.blink = undefined;
    clearTimeout(this.flash);
    for (const name of LED_NAMES) this.leds[name]?.write(lit.includes(name) ? 1 : 0);
  }

  /** The LEDs show the states again. */
  release(): void {
    if (!this.overridden) return;
    this.overridden = false;
    this.leds.snapshot?.write(0);
    this.show(this.current);
  }

  private show(state: IndicatorState): void {
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
    if (state === 'muted') {
      this.leds.listening?.write(1);
      let tick = 0;
      this.blink = setInterval(() => {
        tick = (tick + 1) % 20;
        this.leds.listening?.write(tick === 0 ? 1 : 0);
      }, this.blinkMs / 10);
      this.blink.unref();
    }
  }

  close(): void {
    clearTimeout(this.flash);
    clearInterval(this.blink);
    for (const line of Object.values(this.leds)) line?.close();
  }
}
