import type { Clock } from '../clock';
import type { GpioLine } from './gpio-line';

/**
 * A press of the button: short = "reply", long = new conversation, double (two short presses in quick
 * succession) = microphone mute on or off. `t`: when it (the first of a double) was pressed, seconds on the shared clock.
 */
export interface ButtonEvent {
  type: 'button';
  press: 'short' | 'long' | 'double';
  t: number;
}

export interface PressTiming {
  /** A level must hold this long to count (contact bounce is shorter). */
  debounceSeconds: number;
  /** Held this long, a press is long; it is reported while still held. */
  longSeconds: number;
  /**
   * A second press starting this soon after a short one ends makes a double press; a short press is then
   * reported only once this has passed without a second one. 0 or unset: no double presses, a short one at once.
   */
  doubleSeconds?: number;
}

/** How soon a second press must follow for a double press: quick enough not to be a second "reply". */
export const DOUBLE_PRESS_SECONDS = 0.4;

/**
 * Turns raw levels into presses. Pure: it is told the level and the time, and
 * says when it next needs to look (`update` returns that time), so it runs the
 * same on interrupts, polling or a test's clock.
 */
/** Timer callbacks land on the deadline to the float, not past it. */
const EPSILON = 1e-6;

export class PressDecoder {
  private raw = false;
  private rawSince = 0;
  private stable = false;
  private pressedAt = 0;
  private longSent = false;
  /** A short press waiting to see whether a second one follows: its time, and until when. */
  private pendingShort?: { t: number; until: number };

  constructor(
    private readonly timing: PressTiming,
    private readonly emit: (e: ButtonEvent) => void,
  ) {}

  /** The line was seen `pressed` (or not) at `t`. */
  level(pressed: boolean, t: number): number | undefined {
    if (pressed !== this.raw) {
      this.raw = pressed;
      this.rawSince = t;
    }
    return this.update(t);
  }

  /** Settles what has held long enough by `t`; returns when to call again, if anything is pending. */
  update(t: number): number | undefined {
    const { debounceSeconds, longSeconds } = this.timing;
    const doubleSeconds = this.timing.doubleSeconds ?? 0;
    if (this.raw !== this.stable && t - this.rawSince >= debounceSeconds - EPSILON) {
      this.stable = this.raw;
      if (this.stable) {
        this.pressedAt = this.rawSince;
        this.longSent = false;
      } else if (!this.longSent) {
        if (this.pendingShort) {
          const first = this.pendingShort.t;
          this.pendingShort = undefined;
          this.emit({ type: 'button', press: 'double', t: first });
        } else if (doubleSeconds > 0) {
          this.pendingShort = { t: this.pressedAt, until: this.rawSince + doubleSeconds };
        } else {
          this.emit({ type: 'button', press: 'short', t: this.pressedAt });
        }
      }
    }
    // No second press in time (one still held is not yet a press: it decides when it ends or turns long).
    if (this.pendingShort && !this.stable && this.raw === this.stable && t >= this.pendingShort.until - EPSILON) this.flushShort();
    if (this.stable && !this.longSent && t - this.pressedAt >= longSeconds - EPSILON) {
      this.flushShort();
      this.longSent = true;
      this.emit({ type: 'button', press: 'long', t: this.pressedAt });
    }
    if (this.raw !== this.stable) return this.rawSince + debounceSeconds;
    if (this.stable && !this.longSent) return this.pressedAt + longSeconds;
    if (this.pendingShort) return this.pendingShort.until;
    return undefined;
  }

  private flushShort(): void {
    if (!this.pendingShort) return;
    const { t } = this.pendingShort;
    this.pendingShort = undefined;
    this.emit({ type: 'button', press: 'short', t });
  }
}

export interface GpioButtonOptions extends PressTiming {
  /** Pressed pulls the line low (a pull-up and a button to ground). */
  activeLow: boolean;
}

/** The push button on a GPIO line: levels from the line, presses out. */
export class GpioButton {
  private readonly decoder: PressDecoder;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly line: GpioLine,
    private readonly clock: Clock,
    private readonly o: GpioButtonOptions,
    onPress: (e: ButtonEvent) => void,
  ) {
    this.decoder = new PressDecoder(o, onPress);
  }

  start(): void {
    this.decoder.level(this.pressed(this.line.read()), this.clock.now());
    this.line.watch((v) => this.schedule(this.decoder.level(this.pressed(v), this.clock.now())));
  }

  stop(): void {
    clearTimeout(this.timer);
    this.line.close();
  }

  private pressed(v: 0 | 1): boolean {
    return this.o.activeLow ? v === 0 : v === 1;
  }

  private schedule(next: number | undefined): void {
    clearTimeout(this.timer);
    if (next === undefined) return;
    const ms = Math.max(0, (next - this.clock.now()) * 1000) + 1;
    this.timer = setTimeout(() => this.schedule(this.decoder.update(this.clock.now())), ms);
  }
}
