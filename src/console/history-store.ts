import { execFile } from 'node:child_process';
import { existsSync, linkSync, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface HistoryPicture {
  /** 1-based, in the order taken. */
  n: number;
  bytes: number;
  /** A smaller copy was made (else the page shows the full picture small). */
  thumb: boolean;
}

export interface HistoryTimings {
  keywordToCaptureMs?: number[];
  replyToRequestMs?: number;
  firstTokenMs?: number;
  firstAudioMs?: number;
}

export interface HistoryEntry {
  id: string;
  /** The spool's turn id. */
  turn: string;
  /** Wall clock, ms since the epoch, when the question was closed. */
  at: number;
  from: 'voice' | 'page';
  text: string;
  answer?: string;
  pictures: HistoryPicture[];
  actions: Array<{ name: string; arguments: string; output: string }>;
  timings: HistoryTimings;
  errors: string[];
  state: 'waiting' | 'asked' | 'answered';
  /** Bytes on disk, pictures included: for the size limit. */
  bytes: number;
}

export interface HistoryLimits {
  maxQuestions: number;
  maxDays: number;
  maxMB: number;
}

const ID = /^h\d{13}-[0-9a-f]{6}$/;

/**
 * Past questions for the console, in `stateDir/history/<id>/` (entry.json, pic-N.jpg, thumb-N.jpg), apart from
 * the spool: the spool forgets a question once it is answered, the history keeps it until its limits (count,
 * age, size) push it out. Pictures come from the spool by hard link (a copy across file systems), never moved.
 */
export class HistoryStore {
  private readonly dir: string;
  private readonly entries = new Map<string, HistoryEntry>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(e: HistoryEntry) => void>();
  private readonly thumbJobs = new Map<string, Promise<void>>();
  private seq = 0;

  constructor(
    stateDir: string,
    private readonly limits: HistoryLimits,
    private readonly o: { onError: (message: string) => void; thumbnails?: boolean; now?: () => number },
  ) {
    this.dir = join(stateDir, 'history');
    this.load();
  }

  /** Newest first. */
  list(): HistoryEntry[] {
    return [...this.entries.values()].sort((a, b) => b.at - a.at || (b.id < a.id ? -1 : 1));
  }

  get(id: string): HistoryEntry | undefined {
    return ID.test(id) ? this.entries.get(id) : undefined;
  }

  /** The file of a picture, by the entry's id and the picture's number only: never a path from outside. */
  picturePath(id: string, n: number, kind: 'full' | 'thumb'): string | undefined {
    const e = this.get(id);
    const p = e?.pictures.find((x) => x.n === n);
    if (!e || !p) return undefined;
    return join(this.dir, e.id, kind === 'thumb' && p.thumb ? `thumb-${n}.jpg` : `pic-${n}.jpg`);
  }

  onChange(listener: (e: HistoryEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A new question, its pictures linked from `pictureFiles` (the spool's, read only). */
  add(fields: { turn: string; from: HistoryEntry['from']; text: string; pictureFiles: string[] }): HistoryEntry {
    const now = (this.o.now ?? Date.now)();
    const id = `h${String(now).padStart(13, '0')}-${(process.pid % 0x1000).toString(16).padStart(3, '0')}${(this.seq++ % 0x1000).toString(16).padStart(3, '0')}`;
    const entry: HistoryEntry = { id, turn: fields.turn, at: now, from: fields.from, text: fields.text, pictures: [], actions: [], timings: {}, errors: [], state: 'waiting', bytes: 0 };
    this.entries.set(id, entry);
    const where = join(this.dir, id);
    try {
      mkdirSync(where, { recursive: true, mode: 0o700 });
      fields.pictureFiles.forEach((file, i) => {
        const to = join(where, `pic-${i + 1}.jpg`);
        try {
          linkSync(file, to);
        } catch {
          copyFileSync(file, to);
        }
        const bytes = statSync(to).size;
        entry.pictures.push({ n: i + 1, bytes, thumb: false });
        entry.bytes += bytes;
      });
    } catch (e) {
      this.o.onError(`history: cannot keep the question's pictures in ${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    this.save(entry);
    this.prune();
    return entry;
  }

  /** Changes an entry and writes it (writes of one entry in order). */
  update(id: string, change: (e: HistoryEntry) => void): void {
    const e = this.entries.get(id);
    if (!e) return;
    change(e);
    this.save(e);
  }

  /** Makes the thumbnails of an entry's pictures (ffmpeg, at low priority), after its answer: off the question's path. */
  thumbnails(id: string): Promise<void> {
    // Once per entry: a second call waits for the first (two would count the thumbnails' bytes twice).
    let job = this.thumbJobs.get(id);
    if (!job) this.thumbJobs.set(id, (job = this.makeThumbnails(id)));
    return job;
  }

  private makeThumbnails(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e || this.o.thumbnails === false) return Promise.resolve();
    const where = join(this.dir, id);
    return e.pictures.filter((p) => !p.thumb).reduce(
      (chain, p) =>
        chain.then(
          () =>
            new Promise<void>((resolve) => {
              const out = join(where, `thumb-${p.n}.jpg`);
              execFile('nice', ['-n', '10', 'ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-i', join(where, `pic-${p.n}.jpg`), '-vf', 'scale=320:-2', '-q:v', '6', out], (err) => {
                if (!err && existsSync(out)) {
                  p.thumb = true;
                  e.bytes += statSync(out).size;
                }
                resolve();
              });
            }),
        ),
      Promise.resolve(),
    ).then(() => this.save(e));
  }

  /** "Delete all": every entry and its pictures. */
  async deleteAll(): Promise<void> {
    const ids = [...this.entries.keys()];
    this.entries.clear();
    await Promise.all(ids.map((id) => this.remove(id)));
  }

  /**
   * Room on a full disk: the oldest quarter of the history (at least one entry), answered questions first, with
   * their pictures. Resolves to how many went; 0 when the history is empty.
   */
  async shed(): Promise<number> {
    const byAge = this.list().reverse();
    const order = [...byAge.filter((e) => e.state === 'answered'), ...byAge.filter((e) => e.state !== 'answered')];
    const gone = order.slice(0, Math.max(1, Math.floor(order.length / 4)));
    for (const e of gone) this.entries.delete(e.id);
    await Promise.all(gone.map((e) => this.remove(e.id)));
    return gone.length;
  }

  /** Resolves when every write so far has landed. */
  async flushed(): Promise<void> {
    await Promise.all(this.writes.values());
  }

  private save(e: HistoryEntry): void {
    const where = join(this.dir, e.id);
    const text = `${JSON.stringify(e)}\n`;
    const prev = this.writes.get(e.id) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        if (!this.entries.has(e.id)) return;
        await mkdir(where, { recursive: true, mode: 0o700 });
        const tmp = join(where, 'entry.json.tmp');
        await writeFile(tmp, text, { mode: 0o600 });
        await rename(tmp, join(where, 'entry.json'));
      })
      .catch((err: NodeJS.ErrnoException) => this.o.onError(`history: cannot write ${where}: ${err.code ?? err.message} (the question is still answered; the console's history misses it)`));
    this.writes.set(e.id, next);
    void next.then(() => {
      if (this.writes.get(e.id) === next) this.writes.delete(e.id);
    });
    for (const l of this.listeners) l(e);
  }

  private remove(id: string): Promise<void> {
    this.thumbJobs.delete(id);
    const prev = this.writes.get(id) ?? Promise.resolve();
    const next = prev.then(() => rm(join(this.dir, id), { recursive: true, force: true })).catch(() => undefined);
    this.writes.set(id, next);
    return next;
  }

  /** Oldest out first, until the count, the age and the size are within the limits. */
  private prune(): void {
    const now = (this.o.now ?? Date.now)();
    const byAge = this.list().reverse();
    let bytes = byAge.reduce((s, e) => s + e.bytes, 0);
    let count = byAge.length;
    for (const e of byAge) {
      const old = now - e.at > this.limits.maxDays * 86_400_000;
      if (!old && count <= this.limits.maxQuestions && bytes <= this.limits.maxMB * 1_048_576) break;
      this.entries.delete(e.id);
      void this.remove(e.id);
      count--;
      bytes -= e.bytes;
    }
  }

  private load(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!ID.test(name)) continue;
      try {
        const e = JSON.parse(readFileSync(join(this.dir, name, 'entry.json'), 'utf8')) as HistoryEntry;
        if (e.id === name) this.entries.set(name, e);
      } catch {
        // Half-written or damaged: left for the size and age limits to remove with its directory.
      }
    }
    this.prune();
  }
}
