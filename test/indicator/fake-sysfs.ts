import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeChip {
  base: number;
  label: string;
  ngpio: number;
}

/** The gpiochips of /sys/class/gpio as Raspberry Pi OS kernels lay them out. */
export const BOARDS: Record<string, FakeChip[]> = {
  // Bookworm (6.x kernels): bases from 512 up.
  'pi3-bookworm': [{ base: 512, label: 'pinctrl-bcm2835', ngpio: 54 }, { base: 566, label: 'raspberrypi-exp-gpio', ngpio: 8 }],
  'pi4-bookworm': [{ base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }, { base: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 }],
  'pi5-bookworm': [
    { base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 },
    { base: 544, label: 'gpio-brcmstb@107d517c00', ngpio: 15 },
    { base: 559, label: 'gpio-brcmstb@107d508500', ngpio: 4 },
    { base: 563, label: 'gpio-brcmstb@107d517c00', ngpio: 6 },
    { base: 571, label: 'pinctrl-rp1', ngpio: 54 },
  ],
  // Bullseye (5.x kernels): the header controller still at 0.
  'pi4-bullseye': [{ base: 0, label: 'pinctrl-bcm2711', ngpio: 58 }, { base: 504, label: 'raspberrypi-exp-gpio', ngpio: 8 }],
};

/**
 * A /sys/class/gpio tree in a temporary directory, with a stand-in for the
 * kernel's side: writing N to `export` makes gpioN/ with its files, `unexport`
 * removes it. Being a plain file, `unexport` keeps only the last of several
 * writes made in one go; tests check lines by their value, not by unexport.
 */
export class FakeSysfs {
  readonly root: string;
  private readonly watcher: FSWatcher;

  constructor(chips: FakeChip[]) {
    this.root = mkdtempSync(join(tmpdir(), 'snapask-gpio-'));
    for (const c of chips) {
      const d = join(this.root, `gpiochip${c.base}`);
      mkdirSync(d);
      writeFileSync(join(d, 'base'), `${c.base}\n`);
      writeFileSync(join(d, 'label'), `${c.label}\n`);
      writeFileSync(join(d, 'ngpio'), `${c.ngpio}\n`);
    }
    writeFileSync(join(this.root, 'export'), '');
    writeFileSync(join(this.root, 'unexport'), '');
    this.watcher = watch(this.root, (_ev, name) => this.kernel(name));
  }

  /** A line already exported by someone else (and left at `value`). */
  preExport(n: number, value: '0' | '1'): void {
    this.makeLine(n, value);
  }

  value(n: number): string {
    return readFileSync(join(this.root, `gpio${n}`, 'value'), 'utf8').trim();
  }

  direction(n: number): string {
    return readFileSync(join(this.root, `gpio${n}`, 'direction'), 'utf8').trim();
  }

  exported(n: number): boolean {
    return existsSync(join(this.root, `gpio${n}`));
  }

  /** The outside world changes an input (a button closes). */
  setInput(n: number, value: '0' | '1'): void {
    writeFileSync(join(this.root, `gpio${n}`, 'value'), value);
  }

  close(): void {
    this.watcher.close();
    rmSync(this.root, { recursive: true, force: true });
  }

  private kernel(name: string | null): void {
    if (name !== 'export' && name !== 'unexport') return;
    const text = readFileSync(join(this.root, name), 'utf8').trim();
    if (!text) return;
    writeFileSync(join(this.root, name), '');
    const n = Number(text);
    if (name === 'export') this.makeLine(n, '0');
    else rmSync(join(this.root, `gpio${n}`), { recursive: true, force: true });
  }

  private makeLine(n: number, value: '0' | '1'): void {
    const d = join(this.root, `gpio${n}`);
    if (existsSync(d)) return;
    mkdirSync(d);
    writeFileSync(join(d, 'direction'), 'in');
    writeFileSync(join(d, 'value'), value);
    writeFileSync(join(d, 'active_low'), '0');
    writeFileSync(join(d, 'edge'), 'none');
  }
}
