import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file';

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

  write(value: T): Promise<void> {
    return writeFileAtomic(this.path, JSON.stringify(value, null, 2));
  }
}
