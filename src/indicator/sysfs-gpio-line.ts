import { closeSync, existsSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GpioDirection, GpioLine } from './gpio-line';

export interface SysfsLineOptions {
  /** The sysfs GPIO directory (`/sys/class/gpio`, or a fake tree in tests). */
  root: string;
  /** How long to wait after `export` for udev to hand the new files to the gpio group. */
  exportTimeoutMs?: number;
  /** How often an input is read for changes. */
  pollMs?: number;
}

/**
 * A GPIO line through the sysfs files directly: export, direction, value.
 * Used where onoff cannot be (its epoll addon not built for this Node) and in
 * tests, where the root is a fake tree. An input is read every `pollMs`
 * instead of waiting on an edge interrupt, which Node's fs cannot do.
 */
export class SysfsGpioLine implements GpioLine {
  private fd: number;
  private poll?: NodeJS.Timeout;
  private last: 0 | 1 = 0;
  private readonly buf = Buffer.alloc(1);

  private constructor(
    readonly number: number,
    private readonly direction: GpioDirection,
    private readonly o: SysfsLineOptions,
  ) {
    this.fd = openSync(join(this.dir, 'value'), 'r+');
  }

  static async open(number: number, direction: GpioDirection, o: SysfsLineOptions): Promise<SysfsGpioLine> {
    const dir = join(o.root, `gpio${number}`);
    if (!existsSync(dir)) writeFileSync(join(o.root, 'export'), String(number));
    const deadline = Date.now() + (o.exportTimeoutMs ?? 2000);
    for (;;) {
      try {
        closeSync(openSync(join(dir, 'direction'), 'r+'));
        break;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`GPIO ${number} was exported but ${dir} did not become writable: ${(e as NodeJS.ErrnoException).code}`);
        await sleep(10);
      }
    }
    // "low" sets the direction and the level at once, so an LED does not flash at start.
    writeFileSync(join(dir, 'direction'), direction === 'out' ? 'low' : 'in');
    return new SysfsGpioLine(number, direction, o);
  }

  private get dir(): string {
    return join(this.o.root, `gpio${this.number}`);
  }

  write(value: 0 | 1): void {
    writeSync(this.fd, value ? '1' : '0', 0);
  }

  read(): 0 | 1 {
    readSync(this.fd, this.buf, 0, 1, 0);
    return this.buf[0] === 0x31 ? 1 : 0;
  }

  watch(onChange: (value: 0 | 1) => void): void {
    this.last = this.read();
    this.poll = setInterval(() => {
      const v = this.read();
      if (v !== this.last) {
        this.last = v;
        onChange(v);
      }
    }, this.o.pollMs ?? 10);
  }

  close(): void {
    if (this.poll) clearInterval(this.poll);
    if (this.direction === 'out') this.write(0);
    closeSync(this.fd);
    try {
      writeFileSync(join(this.o.root, 'unexport'), String(this.number));
    } catch {
      // Already gone (the tree was removed, or another process unexported it): nothing to release.
    }
  }
}
