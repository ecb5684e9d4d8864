import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonStateFile } from './json-state-file';

/** One snapshot of a turn as the spool keeps it. */
export interface SpooledSnapshot {
  /** The JPEG's file name inside the turn's directory (the bytes that are uploaded). */
  file: string;
  sha256: string;
  bytes: number;
  /** Capture time on the audio clock, seconds. */
  frameTime: number;
  fileId?: string;
  /** Why the last upload attempt failed, while it has no file id. */
  error?: string;
}

/**
 * Where a turn is. `open`: pictures and words gathering; `closed`: "reply" was
 * heard; `sending`: the question may be on its way (its fate is checked before
 * any new attempt); `sent`: the server holds it, only the answer is missing.
 */
export type TurnState = 'open' | 'closed' | 'sending' | 'sent';

export interface TurnRecord {
  id: string;
  /** Wall clock, ms since the epoch: for giving up on very old turns. */
  createdAt: number;
  state: TurnState;
  /** The question's words so far (open) or final (closed onwards). */
  text: string;
  snapshots: SpooledSnapshot[];
  /** Fixed when it first may leave (state `sending`): every later attempt looks for, or sends, exactly this. */
  question?: { text: string; fileIds: string[] };
  dialect?: string;
  attempts: number;
  /** Times a question the server acknowledged was looked for in vain. */
  lookups?: number;
  /** Failed attempts in a row: the wait before the next one grows with it. */
  failures?: number;
  lastError?: string;
}

/**
 * Each turn from its first snapshot: a directory with `turn.json` and its
 * JPEGs, every file written atomically (temporary file, fsync, rename, fsync of
 * the directory), so a power cut leaves the old version or the new, never half.
 * A finished turn's directory is removed.
 */
export class TurnSpool {
  private readonly turnsDir: string;
  private seq = 0;
  private readonly files = new Map<string, JsonStateFile<TurnRecord>>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(dir: string) {
    this.turnsDir = join(dir, 'turns');
  }

  /** A new turn id that sorts after every earlier one, across restarts. */
  newId(): string {
    return `t${Date.now().toString().padStart(14, '0')}-${process.pid}-${(this.seq++).toString().padStart(4, '0')}`;
  }

  dirOf(id: string): string {
    return join(this.turnsDir, id);
  }

  async saveJpeg(id: string, name: string, jpeg: Buffer): Promise<void> {
    const dir = this.dirOf(id);
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    const tmp = `${path}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(jpeg);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  }

  readJpeg(id: string, name: string): Promise<Buffer> {
    return readFile(join(this.dirOf(id), name));
  }

  /**
   * Writes the record's current state. Writes of one turn go in order, and a
   * write that finds a newer one queued behind it still writes the latest state.
   */
  save(record: TurnRecord): Promise<void> {
    const file = this.fileOf(record.id);
    const previous = this.chains.get(record.id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => file.write(structuredClone(record)));
    this.chains.set(record.id, next);
    return next;
  }

  /** Unfinished turns, oldest first. A turn whose record cannot be read is reported, not dropped. */
  async list(onBroken?: (id: string, why: string) => void): Promise<TurnRecord[]> {
    let names: string[];
    try {
      names = (await readdir(this.turnsDir)).filter((n) => n.startsWith('t')).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const records: TurnRecord[] = [];
    for (const name of names) {
      try {
        const r = await this.fileOf(name).read();
        // A directory without turn.json: killed between the first JPEG and the first record.
        if (!r.id) continue;
        records.push(r as TurnRecord);
      } catch (e) {
        onBroken?.(name, (e as Error).message);
      }
    }
    return records;
  }

  async remove(id: string): Promise<void> {
    await (this.chains.get(id) ?? Promise.resolve()).catch(() => undefined);
    this.chains.delete(id);
    this.files.delete(id);
    await rm(this.dirOf(id), { recursive: true, force: true });
  }

  private fileOf(id: string): JsonStateFile<TurnRecord> {
    let f = this.files.get(id);
    if (!f) {
      f = new JsonStateFile<TurnRecord>(join(this.dirOf(id), 'turn.json'));
      this.files.set(id, f);
    }
    return f;
  }
}
