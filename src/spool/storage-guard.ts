import { statfs } from 'node:fs/promises';

/** A write that found the device's storage full, even after making room: already reported once, said aloud. */
export class StorageFullError extends Error {
  readonly code = 'ENOSPC';
  constructor(path: string) {
    super(`the device's storage is full: cannot write ${path}`);
  }
}

/** Rounds of one freer per failed write at most. */
const MAX_ROUNDS = 32;

export function isNoSpace(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** One way to make room: deletes what it can spare (the oldest first) and says how many things went; 0 when nothing is left. */
export interface SpaceFreer {
  /** What one of the things it deletes is called in the log line ("old console history entries"). */
  what: string;
  free(): Promise<number>;
}

export interface StorageFullReport {
  /** The one line for the log: what happened, what was deleted, what goes on, and the fix. */
  message: string;
  /** Room was made: the write went through after deleting `freed`. */
  recovered: boolean;
  freed: string[];
}

export interface StorageGuardOptions {
  /** The directory whose file system is watched (the state directory). */
  dir: string;
  /** Tried in order, each until it has nothing left or the write fits. */
  freers: SpaceFreer[];
  /** Once per episode of a full disk (until `roomBytes` are free again). */
  onFull: (report: StorageFullReport) => void;
  /** Free bytes that end an episode (the next full disk is reported again). */
  roomBytes?: number;
}

/**
 * The spool's writes on a device whose SD card may fill up (logs, the console's pictures, another program). A
 * write that fails for want of space makes room (the freers: leftovers, then old history, oldest first) and is
 * tried again; the owner is told once (log line with the fix, error LED, said aloud). A write that still fails
 * rejects with StorageFullError: the caller keeps what it wrote in memory, and the question still goes.
 */
export class StorageGuard {
  private full = false;

  constructor(private readonly o: StorageGuardOptions) {}

  /** Whether the last episode of a full disk is still going on (no room has come back). */
  get isFull(): boolean {
    return this.full;
  }

  async write<T>(path: string, write: () => Promise<T>): Promise<T> {
    try {
      const v = await write();
      if (this.full) void this.checkRoom();
      return v;
    } catch (e) {
      if (!isNoSpace(e)) throw e;
    }
    const freed = new Map<string, number>();
    const list = () => [...freed].map(([what, n]) => `${n} ${what}`);
    for (const f of this.o.freers) {
      // Bounded: a freer that keeps reporting deletions that free nothing (a file it cannot remove) must not spin.
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const n = await f.free().catch(() => 0);
        if (!n) break;
        freed.set(f.what, (freed.get(f.what) ?? 0) + n);
        try {
          const v = await write();
          this.report(path, list(), true);
          return v;
        } catch (e) {
          if (!isNoSpace(e)) throw e;
        }
      }
    }
    this.report(path, list(), false);
    throw new StorageFullError(path);
  }

  private report(path: string, freed: string[], recovered: boolean): void {
    if (this.full) return;
    this.full = true;
    const deleted = freed.length ? `deleted ${freed.join(' and ')} to make room` : 'nothing of the device\'s own could be deleted to make room';
    const goesOn = recovered
      ? 'questions are kept on disk again for now'
      : 'questions are kept in memory only (a power cut loses them) and still sent while the network is up';
    this.o.onFull({
      message:
        `the device's storage is full (no space left writing ${path}): ${deleted}; ${goesOn}. ` +
        `Fix: free space on the SD card (sudo du -xh / | sort -h | tail; sudo journalctl --vacuum-size=50M; sudo apt-get clean) or use a larger card`,
      recovered,
      freed,
    });
  }

  private async checkRoom(): Promise<void> {
    try {
      const s = await statfs(this.o.dir);
      if (s.bavail * s.bsize >= (this.o.roomBytes ?? 64 * 1_048_576)) this.full = false;
    } catch {
      // Unknown: stays as it was.
    }
  }
}
