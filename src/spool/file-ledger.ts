import { join } from 'node:path';
import { JsonStateFile } from './json-state-file';
import type { StorageGuard } from './storage-guard';

interface LedgerDoc {
  files: { id: string; uploadedAt: number }[];
}

/**
 * Every file this device uploaded and has not deleted yet, so that old ones can
 * be deleted on OpenAI and the organisation's storage does not grow without end.
 */
export class FileLedger {
  private readonly file: JsonStateFile<LedgerDoc>;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(dir: string, storage?: StorageGuard) {
    this.file = new JsonStateFile<LedgerDoc>(join(dir, 'uploaded-files.json'), storage);
  }

  add(id: string, uploadedAt = Date.now()): Promise<void> {
    return this.update((files) => [...files.filter((f) => f.id !== id), { id, uploadedAt }]);
  }

  forget(ids: readonly string[]): Promise<void> {
    const gone = new Set(ids);
    return this.update((files) => files.filter((f) => !gone.has(f.id)));
  }

  async list(): Promise<LedgerDoc['files']> {
    await this.chain.catch(() => undefined);
    return (await this.file.read()).files ?? [];
  }

  private update(change: (files: LedgerDoc['files']) => LedgerDoc['files']): Promise<void> {
    const next = this.chain.catch(() => undefined).then(async () => {
      const files = (await this.file.read()).files ?? [];
      await this.file.write({ files: change(files) });
    });
    this.chain = next;
    return next;
  }
}
