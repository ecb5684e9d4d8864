/** One GPIO line, as the LEDs and the button use it. */
export interface GpioLine {
  /** The line's sysfs number (base + BCM number). */
  readonly number: number;
  write(value: 0 | 1): void;
  read(): 0 | 1;
  /** Calls back on each level change. */
  watch(onChange: (value: 0 | 1) => void): void;
  /** Stops watching, turns an output off and releases the line. */
  close(): void;
}

export type GpioDirection = 'in' | 'out';

/** Opens line `number` (a sysfs number) in the given direction. */
export type GpioOpener = (number: number, direction: GpioDirection) => Promise<GpioLine>;
