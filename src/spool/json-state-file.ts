import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A small JSON document kept on disk across restarts and power cuts: written to
 * a temporary file, fsynced, then renamed over the old one, so a reader sees the
 * old version or the new one, never half of either.
 */
export class JsonStateFile<T extends object> {
  constructor(private readonly path: string) {}

  async read(): Promise<Partial<T>> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as Partial<T>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      if (e instanceof SyntaxError) throw new Error(`state file ${this.path} is corrupt (${e.message}); move it away to start afresh`);
      throw e;
    }
  }

  async write(value: T): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(value, null, 2));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    // The rename itself must survive a power cut: sync the directory entry too.
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
