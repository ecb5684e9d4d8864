import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file';
import { isNoSpace, type StorageGuard } from './storage-guard';

/**
 * A small JSON document kept on disk across restarts and power cuts: written to
 * a temporary file, fsynced, then renamed over the old one, so a reader sees the
 * old version or the new one, never half of either.
 */
export class JsonStateFile<T extends object> {
  /** The latest value a full disk kept from disk (`storage` given): read from here, written with the next write. */
  private held?: T;

  /**
   * With `storage`, a write that finds the disk full makes room through it; one that still cannot go keeps the
   * value in memory and resolves (the conversation's id, the uploaded files: a power cut loses only that).
   */
  constructor(
    private readonly path: string,
    private readonly storage?: StorageGuard,
  ) {}

  async read(): Promise<Partial<T>> {
    if (this.held) return structuredClone(this.held);
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as Partial<T>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      if (e instanceof SyntaxError) throw new Error(`state file ${this.path} is corrupt (${e.message}); move it away to start afresh`);
      throw e;
    }
  }

  async write(value: T): Promise<void> {
    const text = JSON.stringify(value, null, 2);
    if (!this.storage) return writeFileAtomic(this.path, text);
    try {
      await this.storage.write(this.path, () => writeFileAtomic(this.path, text));
      this.held = undefined;
    } catch (e) {
      if (!isNoSpace(e)) throw e;
      this.held = structuredClone(value);
    }
  }
}
