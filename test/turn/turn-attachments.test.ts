import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { attachmentsOnTestDouble } from '../support/attachments-child';
import { mjpegFrames } from '../support/jpeg';

const JPEG = mjpegFrames(1, '64x48');

/** The attachments on the real spool, ledger and upload queue, uploading to the test double. */
function setup(fake: FakeOpenAI, budgetMs = 300) {
  const dir = mkdtempSync(join(tmpdir(), 'snapask-attach-'));
  const events: TurnEvent[] = [];
  return { dir, events, ...attachmentsOnTestDouble(fake.url, dir, (e) => events.push(e), budgetMs) };
}

const picture = (index: number) => ({ jpeg: JPEG, sha256: `sha-${index}`, index, t: index / 15 });
const named = (events: TurnEvent[], name: TurnEvent['event']) => events.filter((e) => e.event === name);

describe('TurnAttachments: one owner for a turn\'s pictures', () => {
  let fake: FakeOpenAI;
  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });
  afterEach(() => fake.close());

  it('a picture is spooled and uploaded at once; its file id lands in the record, on disk and in the ledger', async () => {
    const { spool, ledger, attachments, events, turn } = setup(fake);
    const done = attachments.addSnapshot(turn, picture(7));
    expect(turn.snapshots).toEqual([{ file: 'snap-1-7.jpg', sha256: 'sha-7', bytes: JPEG.length, frameTime: 7 / 15 }]);
    expect(attachments.inFlight(turn.id)).toBe(1);
    await done;
    expect(attachments.inFlight(turn.id)).toBe(0);
    const fileId = turn.snapshots[0]!.fileId!;
    expect(fake.files.has(fileId)).toBe(true);
    expect(named(events, 'upload')).toEqual([expect.objectContaining({ file_id: fileId, sha256: 'sha-7', attempts: 1 })]);
    expect((await ledger.list()).map((f) => f.id)).toEqual([fileId]);
    expect(await spool.readJpeg(turn.id, 'snap-1-7.jpg')).toEqual(JPEG);
    expect((await spool.list())[0]!.snapshots[0]!.fileId).toBe(fileId);
  });

  it('a picture whose upload failed is uploaded again from the spool before the question goes', async () => {
    const { spool, attachments, events, turn } = setup(fake, 100);
    fake.inject({ operation: 'POST /files', status: 401 });
    await attachments.addSnapshot(turn, picture(1));
    expect(turn.snapshots[0]!.fileId).toBeUndefined();
    expect(turn.snapshots[0]!.error).toMatch(/401/);
    expect(named(events, 'upload-failed')).toHaveLength(1);

    await attachments.settle(turn, 10_000);
    const fileId = turn.snapshots[0]!.fileId;
    expect(fileId).toBeDefined();
    expect(turn.snapshots[0]!.error).toBeUndefined();
    expect(named(events, 'upload')).toEqual([expect.objectContaining({ file_id: fileId, sha256: 'sha-1' })]);
    expect((await spool.list())[0]!.snapshots[0]).toMatchObject({ fileId });
    // Nothing left to do: a second settle sends nothing.
    const uploadsBefore = fake.requests.filter((r) => r.operation === 'POST /files').length;
    await attachments.settle(turn, 10_000);
    expect(fake.requests.filter((r) => r.operation === 'POST /files')).toHaveLength(uploadsBefore);
  });

  it('the question waits for pictures in flight (a still being taken too) only as long as it may', async () => {
    const { attachments, turn } = setup(fake, 10_000);
    fake.inject({ operation: 'POST /files', delayMs: 3000 });
    const slow = attachments.addSnapshot(turn, picture(1));
    let still!: () => void;
    attachments.expect(turn.id, 'capture-1', new Promise<void>((r) => (still = r)));
    expect(attachments.inFlight(turn.id)).toBe(2);
    const started = Date.now();
    await attachments.settle(turn, 200);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(attachments.inFlight(turn.id)).toBe(2);
    still();
    await slow;
    await attachments.landed(turn.id);
    expect(attachments.inFlight(turn.id)).toBe(0);
    expect(turn.snapshots[0]!.fileId).toBeDefined();
  });

  it('a re-upload whose ledger write fails says so in one event and still records the file id (it used to reject unhandled)', async () => {
    const { dir, attachments, events, turn } = setup(fake, 100);
    fake.inject({ operation: 'POST /files', status: 401 });
    await attachments.addSnapshot(turn, picture(1));
    // The ledger's file is a directory now: every write of it fails.
    mkdirSync(join(dir, 'uploaded-files.json'));
    await attachments.settle(turn, 10_000);
    expect(turn.snapshots[0]!.fileId).toBeDefined();
    expect(named(events, 'error')).toEqual([expect.objectContaining({ stage: 'spool' })]);
    expect(readFileSync(join(dir, 'turns', turn.id, 'snap-1-1.jpg'))).toEqual(JPEG);
  });

  it('a picture whose spool write fails while its upload is still going: one spool error, the upload still recorded, the process lives on', async () => {
    // In a process of its own: there an unhandled rejection ends it, as it would end the service.
    const dir = mkdtempSync(join(tmpdir(), 'snapask-attach-child-'));
    fake.inject({ operation: 'POST /files', delayMs: 500 });
    const child = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, [join(__dirname, '..', 'support', 'attachments-child.js'), fake.url, dir], { timeout: 30_000 }, (err, stdout, stderr) =>
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    const events = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; stage?: string; fileId?: string });
    expect(events.map((e) => e.event)).toEqual(['upload', 'error', 'child-done']);
    expect(events[1]!.stage).toBe('spool');
    expect(events[2]!.fileId).toMatch(/^file/);
  });

  it('forget: a turn answered or dropped is no longer waited for', async () => {
    const { attachments, turn } = setup(fake);
    attachments.expect(turn.id, 'capture-1', new Promise<void>(() => undefined));
    expect(attachments.inFlight(turn.id)).toBe(1);
    attachments.forget(turn.id);
    expect(attachments.inFlight(turn.id)).toBe(0);
  });
});
