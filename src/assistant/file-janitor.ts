import type { Logger } from 'pino';
import type { FileLedger } from '../spool/file-ledger';
import type { ThreadManager } from './thread-manager';

export interface FileJanitorOptions {
  ledger: FileLedger;
  threads: Pick<ThreadManager, 'deleteFile'>;
  log: Logger;
  /** Files older than this are deleted on OpenAI. */
  maxAgeMs: number;
  /** File ids a turn still needs (not yet answered): never deleted. */
  inUse: () => Iterable<string>;
  now?: () => number;
}

/** Deletes uploaded files after an age, or all of them when the conversation is reset. */
export class FileJanitor {
  constructor(private readonly o: FileJanitorOptions) {}

  /** Deletes the files older than the age limit; returns how many went. */
  sweep(): Promise<number> {
    const cutoff = (this.o.now ?? Date.now)() - this.o.maxAgeMs;
    return this.deleteWhere((f) => f.uploadedAt <= cutoff);
  }

  /** A dropped question's pictures (cancel, a long press): nobody will ask about them. */
  discard(fileIds: readonly string[]): Promise<number> {
    const dropped = new Set(fileIds);
    return this.deleteWhere((f) => dropped.has(f.id));
  }

  /** A new conversation: the old one's pictures are no use to anyone. */
  deleteAll(): Promise<number> {
    return this.deleteWhere(() => true);
  }

  private async deleteWhere(pick: (f: { id: string; uploadedAt: number }) => boolean): Promise<number> {
    const keep = new Set(this.o.inUse());
    const doomed = (await this.o.ledger.list()).filter((f) => pick(f) && !keep.has(f.id));
    const deleted: string[] = [];
    for (const f of doomed) {
      try {
        await this.o.threads.deleteFile(f.id);
        deleted.push(f.id);
      } catch (e) {
        // Kept in the ledger: the next sweep tries again.
        this.o.log.warn({ fileId: f.id, err: (e as Error).message }, 'could not delete an uploaded file');
      }
    }
    if (deleted.length) {
      await this.o.ledger.forget(deleted);
      this.o.log.info({ deleted: deleted.length }, 'deleted old uploaded files');
    }
    return deleted.length;
  }
}
