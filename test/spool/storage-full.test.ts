import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../../src/console/history-store';
import { StorageFullError, StorageGuard, type StorageFullReport } from '../../src/spool/storage-guard';
import { TurnSpool, type TurnRecord } from '../../src/spool/turn-spool';
import { mountSmallDisk, type SmallDisk } from '../support/tmpfs';

/** Bytes that do not compress or repeat: a camera picture's worth. */
const picture = (kb: number, seed: number) => Buffer.from(Array.from({ length: kb * 1024 }, (_, i) => (Math.imul(i + seed * 7919, 2654435761) >>> 24) & 0xff));

const DISK = 512 * 1024;
const disk = mountSmallDisk(DISK);
const mounted = 'dir' in disk;
const suite = mounted ? describe : describe.skip;

/**
 * The spool on a real, size-limited file system (a tmpfs of 512 KiB, as an SD card that fills up): a write that
 * finds no space makes room (leftovers of killed writes, then the console's oldest history) and is tried again;
 * what still does not fit stays in memory, is read from there and is written once there is room. The owner hears
 * once per full disk.
 */
suite(`a full disk under the spool${mounted ? '' : ` (skipped: ${(disk as { why: string }).why})`}`, () => {
  const d = disk as SmallDisk;
  let n = 0;
  let state: string;
  let reports: StorageFullReport[];
  let history: HistoryStore;
  let spool: TurnSpool;
  const record = (id: string, files: string[]): TurnRecord => ({ id, createdAt: Date.now(), state: 'closed', text: 'what is this', snapshots: files.map((file) => ({ file, sha256: 'x', bytes: 1, frameTime: 0 })), attempts: 0 });

  beforeEach(() => {
    state = join(d.dir, `state-${n++}`);
    mkdirSync(state);
    reports = [];
    history = new HistoryStore(state, { maxQuestions: 100, maxDays: 30, maxMB: 100 }, { onError: () => undefined, thumbnails: false });
    const guard = new StorageGuard({ dir: state, roomBytes: 200 * 1024, freers: [{ what: 'leftover files', free: () => spool.freeLeftovers() }, { what: 'old history entries', free: () => history.shed() }], onFull: (r) => reports.push(r) });
    spool = new TurnSpool(state, guard);
  });
  afterEach(async () => {
    await history.flushed();
    d.unfill();
    rmSync(state, { recursive: true, force: true });
  });
  afterAll(() => d.unmount());

  it('makes room by deleting the oldest history (answered first) and a killed write\'s leftovers, then writes; said once', async () => {
    // Six past questions with a 40 KiB picture each (copied in: another file system), the oldest answered.
    const pics = mkdtempSync(join(tmpdir(), 'snapask-pics-'));
    const entries = [0, 1, 2, 3, 4, 5].map((i) => {
      writeFileSync(join(pics, `p${i}.jpg`), picture(40, i));
      const e = history.add({ turn: `t${i}`, from: 'voice', text: `question ${i}`, pictureFiles: [join(pics, `p${i}.jpg`)] });
      if (i < 4) history.update(e.id, (h) => (h.state = 'answered'));
      return e;
    });
    await history.flushed();
    // What a kill -9 mid-write left: a temporary file of another process.
    mkdirSync(join(state, 'turns', 't00000000000001-1-0000'), { recursive: true });
    writeFileSync(join(state, 'turns', 't00000000000001-1-0000', 'turn.json'), JSON.stringify(record('t00000000000001-1-0000', [])));
    writeFileSync(join(state, 'turns', 't00000000000001-1-0000', 'snap-1-1.jpg.99999.tmp'), picture(20, 9));
    d.fill();

    const id = spool.newId();
    const jpeg = picture(60, 42);
    await spool.saveJpeg(id, 'snap-1-7.jpg', jpeg);
    await spool.save(record(id, ['snap-1-7.jpg']));

    expect(readFileSync(join(spool.dirOf(id), 'snap-1-7.jpg')).equals(jpeg)).toBe(true);
    expect(existsSync(join(state, 'turns', 't00000000000001-1-0000', 'snap-1-1.jpg.99999.tmp'))).toBe(false);
    // The oldest answered ones went, oldest first; the newest and the unanswered are kept.
    const kept = history.list().map((e) => e.text);
    expect(kept).toContain('question 5');
    expect(kept).toContain('question 4');
    expect(kept).not.toContain('question 0');
    expect(readdirSync(join(state, 'history')).length).toBe(kept.length);
    expect(kept.length).toBeLessThan(entries.length);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.recovered).toBe(true);
    expect(reports[0]!.message).toMatch(/the device's storage is full .*deleted 1 leftover files and \d old history entries to make room.*Fix: free space on the SD card/);
  });

  it('still full: the picture stays in memory (read from there, left out of the record), no half file is left, said once; written when there is room', async () => {
    d.fill();
    const id = spool.newId();
    const jpeg = picture(60, 7);
    await expect(spool.saveJpeg(id, 'snap-1-3.jpg', jpeg)).rejects.toBeInstanceOf(StorageFullError);
    await expect(spool.save(record(id, ['snap-1-3.jpg']))).rejects.toBeInstanceOf(StorageFullError);
    await expect(spool.saveFile(id, 'audio-1.flac', picture(30, 8))).rejects.toBeInstanceOf(StorageFullError);
    expect((await spool.readJpeg(id, 'snap-1-3.jpg')).equals(jpeg)).toBe(true);
    expect(spool.onDisk(id)).toBe(false);
    // Nothing half-written holds on to the space that ran out.
    expect(existsSync(spool.dirOf(id)) ? readdirSync(spool.dirOf(id)) : []).toEqual([]);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ recovered: false, freed: [] });
    expect(reports[0]!.message).toMatch(/kept in memory only .* still sent while the network is up/);

    d.unfill();
    await spool.save(record(id, ['snap-1-3.jpg']));
    expect(spool.onDisk(id)).toBe(true);
    expect(readFileSync(join(spool.dirOf(id), 'snap-1-3.jpg')).equals(jpeg)).toBe(true);
    const [restored] = await spool.list();
    expect(restored!.snapshots.map((s) => s.file)).toEqual(['snap-1-3.jpg']);
  });
});
