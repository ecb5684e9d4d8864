import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findHeaderChip, GpioUnavailableError, sysfsNumber } from '../../src/indicator/gpio-chip';
import { BOARDS, FakeSysfs } from './fake-sysfs';

describe('finding the header GPIO controller in sysfs', () => {
  const cases: Array<[string, string, number]> = [
    ['pi3-bookworm', 'pinctrl-bcm2835', 512],
    ['pi4-bookworm', 'pinctrl-bcm2711', 512],
    ['pi5-bookworm', 'pinctrl-rp1', 571],
    ['pi4-bullseye', 'pinctrl-bcm2711', 0],
  ];
  it.each(cases)('%s: %s at base %i, so BCM 17 is line base+17', (board, label, base) => {
    const fs = new FakeSysfs(BOARDS[board]!);
    try {
      const chip = findHeaderChip(fs.root);
      expect(chip).toMatchObject({ label, base, name: `gpiochip${base}` });
      expect(sysfsNumber(chip, 17)).toBe(base + 17);
    } finally {
      fs.close();
    }
  });

  it('takes a controller by label when told (gpio.chip), and names what it found when none matches', () => {
    const fs = new FakeSysfs(BOARDS['pi5-bookworm']!);
    try {
      expect(findHeaderChip(fs.root, 'gpio-brcmstb@107d517c00').base).toBe(544);
      expect(() => findHeaderChip(fs.root, 'pinctrl-foo')).toThrow(
        /no GPIO controller labelled pinctrl-foo under .* \(found: .*gpiochip571=pinctrl-rp1.*\)/,
      );
    } finally {
      fs.close();
    }
  });

  it('refuses a pin beyond the controller', () => {
    const fs = new FakeSysfs(BOARDS['pi3-bookworm']!);
    try {
      expect(() => sysfsNumber(findHeaderChip(fs.root), 54)).toThrow('GPIO 54 is not a line of pinctrl-bcm2835 (0-53)');
    } finally {
      fs.close();
    }
  });

  it('says clearly when there is no sysfs GPIO at all', () => {
    const empty = mkdtempSync(join(tmpdir(), 'snapask-nogpio-'));
    expect(() => findHeaderChip(join(empty, 'class/gpio'))).toThrow(GpioUnavailableError);
    expect(() => findHeaderChip(join(empty, 'class/gpio'))).toThrow(/sysfs GPIO is not available: .*class\/gpio\/export does not exist/);
  });
});
