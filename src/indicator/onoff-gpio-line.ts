import type { GpioDirection, GpioLine } from './gpio-line';

/** The part of onoff's Gpio used here. */
interface OnoffGpio {
  writeSync(value: 0 | 1): void;
  readSync(): 0 | 1;
  watch(cb: (err: Error | null | undefined, value: 0 | 1) => void): void;
  unexport(): void;
}
export type OnoffModule = { Gpio: new (n: number, direction: string, edge?: string) => OnoffGpio };

/**
 * onoff on the real /sys/class/gpio (its root is fixed): edge interrupts
 * through epoll for the button, so nothing polls. Loaded on first use because
 * its epoll addon is native: where it was built for another Node the service
 * falls back to SysfsGpioLine instead of failing to start.
 */
export function loadOnoff(): OnoffModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('onoff') as OnoffModule;
}

export class OnoffGpioLine implements GpioLine {
  private readonly gpio: OnoffGpio;

  constructor(
    onoff: OnoffModule,
    readonly number: number,
    private readonly direction: GpioDirection,
  ) {
    this.gpio = direction === 'out' ? new onoff.Gpio(number, 'low') : new onoff.Gpio(number, 'in', 'both');
  }

  write(value: 0 | 1): void {
    this.gpio.writeSync(value);
  }

  read(): 0 | 1 {
    return this.gpio.readSync();
  }

  watch(onChange: (value: 0 | 1) => void): void {
    this.gpio.watch((err, value) => {
      if (!err) onChange(value);
    });
  }

  close(): void {
    if (this.direction === 'out') this.gpio.writeSync(0);
    this.gpio.unexport();
  }
}
