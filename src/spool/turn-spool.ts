import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file';
import { JsonStateFile } from './json-state-file';
import type { StorageGuard } from './storage-guard';

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

/** A stretch of the question's audio as the spool keeps it (FLAC), with its text once transcribed. */
export interface SpooledPiece {
  file: string;
  seconds: number;
  /** The cloud's text (command words removed); absent until it came. */
  text?: string;
  /** The text is the offline recogniser's (the cloud could not transcribe this audio). */
  offline?: true;
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
  /** The question's audio in order (cloud transcription): the text is theirs, each piece's used once. */
  pieces?: SpooledPiece[];
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
 * A finished turn's directory is removed. On a full disk (see StorageGuard) a file that could not be written
 * stays in memory, is read from there, is left out of the record, and is written with the turn's next record
 * once there is room.
 */
export class TurnSpool {
  private readonly turnsDir: string;
  private seq = 0;
  private readonly files = new Map<string, JsonStateFile<TurnRecord>>();
  private readonly chains = new Map<string, Promise<void>>();
  /** Turns already finished: a late write (an upload that ended after the answer) must not bring one back. */
  private readonly removed = new Set<string>();
  /** Per turn, the pictures whose write has not landed yet. */
  private readonly writing = new Map<string, Set<string>>();
  /** Per turn, files whose write failed (a full disk): kept here until written, so nothing of the question is lost. */
  private readonly unsaved = new Map<string, Map<string, Buffer>>();
  /** Turns whose latest record could not be written (a full disk): a power cut would lose or misstate them. */
  private readonly staleRecords = new Set<string>();

  constructor(
    dir: string,
    private readonly storage?: StorageGuard,
  ) {
    this.turnsDir = join(dir, 'turns');
  }

  /** A new turn id that sorts after every earlier one, across restarts. */
  newId(): string {
    return `t${Date.now().toString().padStart(14, '0')}-${process.pid}-${(this.seq++).toString().padStart(4, '0')}`;
  }

  dirOf(id: string): string {
    return join(this.turnsDir, id);
  }

  /**
   * Writes one picture of a turn, in order with the turn's record writes: a
   * record saved after this call lands after the picture, so a turn that is on
   * disk as closed has its pictures on disk too.
   */
  saveJpeg(id: string, name: string, jpeg: Buffer): Promise<void> {
    return this.saveFile(id, name, jpeg);
  }

  readJpeg(id: string, name: string): Promise<Buffer> {
    return this.readFile(id, name);
  }

  /**
   * A file of the turn (a picture, a piece of audio) that is coming: until its write has landed, the record
   * leaves it out (a file named in the record is on disk).
   */
  expect(id: string, name: string): void {
    let writing = this.writing.get(id);
    if (!writing) this.writing.set(id, (writing = new Set()));
    writing.add(name);
  }

  /** Writes one file of a turn, in order with the turn's record writes (see saveJpeg). */
  saveFile(id: string, name: string, bytes: Buffer): Promise<void> {
    this.expect(id, name);
    const names = this.writing.get(id)!;
    return this.enqueue(id, () => this.writeFile(id, name, bytes)).finally(() => names.delete(name));
  }

  readFile(id: string, name: string): Promise<Buffer> {
    const kept = this.unsaved.get(id)?.get(name);
    return kept ? Promise.resolve(kept) : readFile(join(this.dirOf(id), name));
  }

  /** Whether the turn is on disk as it is now (no file or record held in memory for want of space). */
  onDisk(id: string): boolean {
    return !this.unsaved.get(id)?.size && !this.staleRecords.has(id);
  }

  /** A file of the turn to disk; when it cannot go (a full disk) it is kept in memory and the write rejects. */
  private async writeFile(id: string, name: string, bytes: Buffer): Promise<void> {
    const path = join(this.dirOf(id), name);
    try {
      await this.guarded(path, () => writeFileAtomic(path, bytes));
    } catch (e) {
      if (this.removed.has(id)) return;
      let kept = this.unsaved.get(id);
      if (!kept) this.unsaved.set(id, (kept = new Map()));
      kept.set(name, bytes);
      throw e;
    }
    this.unsaved.get(id)?.delete(name);
  }

  private guarded(path: string, write: () => Promise<void>): Promise<void> {
    return this.storage ? this.storage.write(path, write) : write();
  }

  /**
   * Writes the record's current state. Writes of one turn go in order, and a
   * write that finds a newer one queued behind it still writes the latest state.
   */
  save(record: TurnRecord): Promise<void> {
    const file = this.fileOf(record.id);
    return this.enqueue(record.id, async () => {
      // Files kept in memory for want of space go first, now that there may be room.
      for (const [name, bytes] of [...(this.unsaved.get(record.id) ?? [])]) await this.writeFile(record.id, name, bytes).catch(() => undefined);
      const copy = structuredClone(record);
      // A picture still being written (or held in memory) is left out: the record never names a file that a power cut could lose.
      const missing = new Set([...(this.writing.get(record.id) ?? []), ...(this.unsaved.get(record.id)?.keys() ?? [])]);
      if (missing.size) {
        copy.snapshots = copy.snapshots.filter((s) => !missing.has(s.file));
        if (copy.pieces) copy.pieces = copy.pieces.filter((p) => !missing.has(p.file));
      }
      try {
        await this.guarded(join(this.dirOf(record.id), 'turn.json'), () => file.write(copy));
        this.staleRecords.delete(record.id);
      } catch (e) {
        if (!this.removed.has(record.id)) this.staleRecords.add(record.id);
        throw e;
      }
    });
  }

  /**
   * The turn's record goes from disk (a write of it failed, a full disk): an older record left behind would
   * be taken for the truth after a restart (a question already sent, found `closed`, sent again). The turn
   * lives on in memory.
   */
  async forgetOnDisk(id: string): Promise<void> {
    await rm(join(this.dirOf(id), 'turn.json'), { force: true });
  }

  /** Runs one write of a turn after the ones before it, whether they failed or not. */
  private enqueue(id: string, write: () => Promise<void>): Promise<void> {
    if (this.removed.has(id)) return Promise.resolve();
    const next = (this.chains.get(id) ?? Promise.resolve()).catch(() => undefined).then(write);
    this.chains.set(id, next);
    return next;
  }

  /**
   * Room on a full disk: what kill -9 left behind (temporary files of writes cut short, directories of turns
   * killed before their first record), never a turn of this process or a record.
   */
  async freeLeftovers(): Promise<number> {
    let n = 0;
    for (const turn of await readdir(this.turnsDir).catch(() => [] as string[])) {
      const dir = join(this.turnsDir, turn);
      const names = await readdir(dir).catch(() => [] as string[]);
      const orphan = !names.includes('turn.json') && !this.files.has(turn) && !this.chains.has(turn) && !this.writing.has(turn);
      for (const name of names) {
        if (!orphan && !(name.endsWith('.tmp') && !name.endsWith(`.${process.pid}.tmp`))) continue;
        await rm(join(dir, name), { force: true });
        n++;
      }
      if (orphan) await rm(dir, { recursive: true, force: true });
    }
    return n;
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
        // A directory without turn.json: killed between the first JPEG and the first record (a leftover).
        if (!r.id) {
          this.files.delete(name);
          continue;
        }
        records.push(r as TurnRecord);
      } catch (e) {
        onBroken?.(name, (e as Error).message);
      }
    }
    return records;
  }

  async remove(id: string): Promise<void> {
    this.removed.add(id);
    await (this.chains.get(id) ?? Promise.resolve()).catch(() => undefined);
    this.chains.delete(id);
    this.files.delete(id);
    this.writing.delete(id);
    this.unsaved.delete(id);
    this.staleRecords.delete(id);
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
