import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TurnSpool, type SpooledSnapshot, type TurnRecord } from '../../src/spool/turn-spool';

// Large enough that writing and fsyncing it takes far longer than a turn.json: a record
// write that does not wait for the picture lands first.
const BIG = Buffer.alloc(48 * 1024 * 1024, 0xab);

function fresh(): { spool: TurnSpool; record: TurnRecord; snap: SpooledSnapshot } {
  const spool = new TurnSpool(mkdtempSync(join(tmpdir(), 'snapask-spool-')));
  const record: TurnRecord = { id: spool.newId(), createdAt: Date.now(), state: 'open', text: 'what is this', snapshots: [], attempts: 0 };
  const snap: SpooledSnapshot = { file: 'snap-1-7.jpg', sha256: 'x', bytes: BIG.length, frameTime: 1.5 };
  return { spool, record, snap };
}

function onDisk(spool: TurnSpool, id: string): TurnRecord {
  return JSON.parse(readFileSync(join(spool.dirOf(id), 'turn.json'), 'utf8')) as TurnRecord;
}

describe('TurnSpool: a record never names a picture a power cut could lose', () => {
  test('a record saved after a picture lands after the picture', async () => {
    const { spool, record, snap } = fresh();
    record.snapshots.push(snap);
    const picture = spool.saveJpeg(record.id, snap.file, BIG);
    record.state = 'closed';
    await spool.save(record);
    // This is the moment the service says "queued": the picture must already be whole on disk.
    const path = join(spool.dirOf(record.id), snap.file);
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).size).toBe(BIG.length);
    expect(onDisk(spool, record.id).snapshots.map((s) => s.file)).toEqual([snap.file]);
    await picture;
  }, 30_000);

  test('a save queued before the picture, that runs once the picture is in the record, leaves it out until it lands', async () => {
    const { spool, record, snap } = fresh();
    const early = spool.save(record);
    // Same tick, as when words and "snapshot" arrive together: the clone is taken after this push.
    record.snapshots.push(snap);
    const picture = spool.saveJpeg(record.id, snap.file, BIG);
    await early;
    expect(onDisk(spool, record.id).snapshots).toEqual([]);
    await picture;
    await spool.save(record);
    expect(onDisk(spool, record.id).snapshots.map((s) => s.file)).toEqual([snap.file]);
  }, 30_000);

  test('a write that comes after the turn was removed does not bring it back', async () => {
    const { spool, record } = fresh();
    await spool.save(record);
    await spool.remove(record.id);
    // An upload that finished after the answer was spoken saves its file id.
    record.state = 'sent';
    await spool.save(record);
    await spool.saveJpeg(record.id, 'late.jpg', Buffer.from('jpeg'));
    expect(existsSync(spool.dirOf(record.id))).toBe(false);
    expect(await spool.list()).toEqual([]);
  });
});
