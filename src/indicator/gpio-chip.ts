import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

/**
 * The label of the controller behind the Raspberry Pi's 40-pin header, by board:
 * Pi 0-3 `pinctrl-bcm2835`, Pi 4 `pinctrl-bcm2711`, Pi 5 `pinctrl-rp1` (the
 * RP1 south bridge; the SoC's own `gpio-brcmstb@107d508500` lines are not on
 * the header).
 */
export const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

export interface GpioChip {
  /** gpiochipN directory name. */
  name: string;
  label: string;
  /** Global sysfs number of the chip's line 0 (0 before Bookworm's kernels, 512, 571, ... since). */
  base: number;
  ngpio: number;
}

/** Sysfs GPIO is missing or has no header controller; the message says which and what to do. */
export class GpioUnavailableError extends Error {
  override name = 'GpioUnavailableError';
}

export function listGpioChips(root: string): GpioChip[] {
  if (!existsSync(join(root, 'export'))) {
    throw new GpioUnavailableError(
      `sysfs GPIO is not available: ${join(root, 'export')} does not exist (not a Raspberry Pi, or a kernel without CONFIG_GPIO_SYSFS)`,
    );
  }
  const read = (chip: string, f: string) => readFileSync(join(root, chip, f), 'utf8').trim();
  return readdirSync(root)
    .filter((n) => /^gpiochip\d+$/.test(n))
    .map((name) => ({ name, label: read(name, 'label'), base: Number(read(name, 'base')), ngpio: Number(read(name, 'ngpio')) }))
    .filter((c) => Number.isInteger(c.base) && Number.isInteger(c.ngpio));
}

/**
 * The header's GPIO controller. Bookworm renumbered sysfs GPIO: BCM pin 17 is
 * no longer line 17 but base + 17, and the base differs by board and kernel,
 * so it is read from the chip's `base` rather than assumed. `label` picks a
 * controller by name instead (an unusual board or overlay).
 */
export function findHeaderChip(root: string, label?: string): GpioChip {
  const chips = listGpioChips(root);
  const wanted = label ? [label] : HEADER_CHIP_LABELS;
  for (const l of wanted) {
    const chip = chips.find((c) => c.label === l);
    if (chip) return chip;
  }
  const seen = chips.map((c) => `${c.name}=${c.label}`).join(', ') || 'none';
  throw new GpioUnavailableError(`no GPIO controller labelled ${wanted.join(' or ')} under ${root} (found: ${seen}); set gpio.chip to one of the labels`);
}

/** The sysfs number of a header pin given by its BCM number. */
export function sysfsNumber(chip: GpioChip, bcm: number): number {
  if (!Number.isInteger(bcm) || bcm < 0 || bcm >= chip.ngpio) {
    throw new GpioUnavailableError(`GPIO ${bcm} is not a line of ${chip.label} (0-${chip.ngpio - 1})`);
  }
  return chip.base + bcm;
}
