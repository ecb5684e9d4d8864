import type { Logger } from 'pino';
import type { Clock } from '../clock';
import { DOUBLE_PRESS_SECONDS, GpioButton, type ButtonEvent } from './button';
import { findHeaderChip, sysfsNumber, SYSFS_GPIO_ROOT } from './gpio-chip';
import type { GpioLine, GpioOpener } from './gpio-line';
import { GpioLedIndicator, LED_NAMES, type LedName } from './led-indicator';
import { loadOnoff, OnoffGpioLine, type OnoffModule } from './onoff-gpio-line';
import { SysfsGpioLine } from './sysfs-gpio-line';

/** How the LEDs and the button are wired (the config's `gpio` section is one). Pins are BCM numbers, null for none. */
export interface GpioSettings {
  sysfsRoot: string;
  /** The header controller's label, when it is none of the Raspberry Pi ones. */
  chip?: string;
  leds: Record<LedName, number | null>;
  button: number | null;
  buttonActiveLow: boolean;
  debounceMs: number;
  longPressMs: number;
  snapshotFlashMs: number;
}

export interface GpioDevices {
  leds: GpioLedIndicator;
  button?: GpioButton;
  close(): void;
}

/**
 * How lines are opened: onoff on the real sysfs tree; snapask's own sysfs
 * writer on another root (a test's fake tree) or where onoff's native addon
 * does not load.
 */
export function gpioOpener(root: string, log: Logger): GpioOpener {
  // Loaded at the first line opened, so a machine without GPIO never tries.
  let onoff: OnoffModule | null | undefined = root === SYSFS_GPIO_ROOT ? undefined : null;
  return async (n, dir) => {
    if (onoff === undefined) {
      try {
        onoff = loadOnoff();
      } catch (e) {
        onoff = null;
        log.warn({ err: (e as Error).message.split('\n')[0] }, 'onoff does not load here: GPIO through sysfs directly, button polled every 10 ms');
      }
    }
    return onoff ? new OnoffGpioLine(onoff, n, dir) : SysfsGpioLine.open(n, dir, { root });
  };
}

/**
 * Opens the LEDs and the button from the config. Throws GpioUnavailableError
 * (sysfs GPIO absent, no header controller) with a message for the log; the
 * caller then reports the states in the log instead.
 */
export async function openGpioDevices(
  config: GpioSettings,
  clock: Clock,
  open: GpioOpener,
  onPress: (e: ButtonEvent) => void,
): Promise<GpioDevices> {
  const chip = findHeaderChip(config.sysfsRoot, config.chip);
  const opened: GpioLine[] = [];
  const line = async (bcm: number, dir: 'in' | 'out') => {
    const l = await open(sysfsNumber(chip, bcm), dir);
    opened.push(l);
    return l;
  };
  try {
    const leds: Partial<Record<LedName, GpioLine>> = {};
    for (const name of LED_NAMES) {
      const pin = config.leds[name];
      if (pin !== null) leds[name] = await line(pin, 'out');
    }
    const indicator = new GpioLedIndicator(leds, config.snapshotFlashMs);
    const button =
      config.button === null
        ? undefined
        : new GpioButton(await line(config.button, 'in'), clock, {
            activeLow: config.buttonActiveLow,
            debounceSeconds: config.debounceMs / 1000,
            longSeconds: config.longPressMs / 1000,
            doubleSeconds: DOUBLE_PRESS_SECONDS,
          }, onPress);
    button?.start();
    return {
      leds: indicator,
      button,
      close: () => {
        button?.stop();
        indicator.close();
      },
    };
  } catch (e) {
    for (const l of opened) l.close();
    throw e;
  }
}
