import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryRecorder } from '../../src/console/history-recorder';
import { HistoryStore } from '../../src/console/history-store';
import { MicMeter } from '../../src/control/mic-meter';
import { mjpegFrames } from '../support/jpeg';

const limits = { maxQuestions: 200, maxDays: 30, maxMB: 200 };

function spoolTurn(root: string, turn: string, pictures: number): string {
  const dir = join(root, 'turns', turn);
  const jpegs = mjpegFrames(Math.max(1, pictures), '160x120');
  const frames = jpegs.toString('latin1').split('\xff\xd8').filter(Boolean).map((f) => Buffer.from(`\xff\xd8${f}`, 'latin1'));
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < pictures; i++) writeFileSync(join(dir, `snap-${i + 1}-${10 + i}.jpg`), frames[i]!);
  return dir;
}

describe('history store and recorder', () => {
  it('records a question from the turn events: its pictures (linked from the spool, which stays as it was), text, actions, answer, timings, errors; thumbnails after the answer', async () => {
    const root = mkdtempSync(join(tmpdir(), 'snapask-history-'));
    const store = new HistoryStore(root, limits, { onError: (m) => { throw new Error(m); } });
    const rec = new HistoryRecorder(store, (t) => join(root, 'turns', t));
    spoolTurn(root, 't1', 2);
    rec.onEvent({ event: 'upload-failed', sha256: 'ab', reason: 'HTTP 500' });
    rec.onEvent({ event: 'queued', turn: 't1', text: 'what is it' });
    rec.onEvent({ event: 'message', turn: 't1', text: 'what is it', file_ids: ['f1'], dialect: 'responses', resumed: false });
    rec.onEvent({ event: 'tool', name: 'zapier', arguments: '{"instruction":"note"}', output: 'ok' });
    rec.onEvent({ event: 'reply', text: 'A card.' });
    rec.onEvent({ event: 'timings', turn: 't1', reply_to_request_ms: 12, request_to_first_token_ms: 30, first_token_to_first_audio_ms: 40, keyword_to_capture_ms: [0.4, 0.5] });
    const [e] = store.list();
    expect(e).toMatchObject({
      turn: 't1', from: 'voice', text: 'what is it', answer: 'A card.', state: 'answered',
      actions: [{ name: 'zapier', arguments: '{"instruction":"note"}', output: 'ok' }],
      timings: { replyToRequestMs: 12, firstTokenMs: 30, firstAudioMs: 40, keywordToCaptureMs: [0.4, 0.5] },
      errors: ['picture upload failed: HTTP 500'],
    });
    expect(e!.pictures.map((p) => p.n)).toEqual([1, 2]);
    expect(readdirSync(join(root, 'turns', 't1')).sort()).toEqual(['snap-1-10.jpg', 'snap-2-11.jpg']);
    await store.thumbnails(e!.id);
    await store.flushed();
    expect(e!.pictures.every((p) => p.thumb)).toBe(true);
    expect(existsSync(store.picturePath(e!.id, 1, 'thumb')!)).toBe(true);
    // Read back after a restart, as written.
    const again = new HistoryStore(root, limits, { onError: () => undefined });
    expect(again.list()).toEqual(store.list());
    // The spool's turn goes (answered): the history's pictures stay.
    rmSync(join(root, 'turns', 't1'), { recursive: true });
    expect(existsSync(again.picturePath(e!.id, 2, 'full')!)).toBe(true);
    // Ids only: anything else finds nothing.
    expect(again.picturePath('../turns', 1, 'full')).toBeUndefined();
    expect(again.picturePath(e!.id, 3, 'full')).toBeUndefined();
  });

  it('keeps within maxQuestions, maxDays and maxMB, oldest out first; delete all wipes every entry', async () => {
    const root = mkdtempSync(join(tmpdir(), 'snapask-hist-lim-'));
    let now = Date.UTC(2026, 0, 1);
    const store = new HistoryStore(root, { maxQuestions: 3, maxDays: 2, maxMB: 1 }, { onError: () => undefined, now: () => now });
    for (let i = 0; i < 5; i++) {
      store.add({ turn: `t${i}`, from: 'voice', text: `q${i}`, pictureFiles: [] });
      now += 1000;
    }
    expect(store.list().map((e) => e.text)).toEqual(['q4', 'q3', 'q2']);
    now += 3 * 86_400_000;
    store.add({ turn: 'late', from: 'page', text: 'late', pictureFiles: [] });
    expect(store.list().map((e) => e.text)).toEqual(['late']);
    // Size: each entry holds a ~0.4 MB picture; 1 MB keeps two.
    const big = join(root, 'big.jpg');
    writeFileSync(big, Buffer.alloc(400_000, 1));
    for (let i = 0; i < 3; i++) {
      now += 1000;
      store.add({ turn: `b${i}`, from: 'voice', text: `b${i}`, pictureFiles: [big] });
    }
    expect(store.list().map((e) => e.text)).toEqual(['b2', 'b1']);
    await store.flushed();
    expect(readdirSync(join(root, 'history')).length).toBe(2);
    await store.deleteAll();
    expect(store.list()).toEqual([]);
    expect(readdirSync(join(root, 'history'))).toEqual([]);
  });

  it('a history directory it cannot write is one error line, and the question still goes through', async () => {
    // A file where the directory should be: unwritable for anyone, root included.
    const root = mkdtempSync(join(tmpdir(), 'snapask-history-ro-'));
    writeFileSync(join(root, 'history'), 'not a directory');
    const errors: string[] = [];
    const store = new HistoryStore(root, limits, { onError: (m) => errors.push(m) });
    const rec = new HistoryRecorder(store, (t) => join(root, 'turns', t));
    spoolTurn(root, 't1', 1);
    expect(() => {
      rec.onEvent({ event: 'queued', turn: 't1', text: 'q' });
      rec.onEvent({ event: 'reply', text: 'a' });
      rec.onEvent({ event: 'timings', turn: 't1' });
    }).not.toThrow();
    await store.flushed();
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatch(/^history: cannot keep the question's pictures in .*: ENOTDIR$/);
  });
});

describe('microphone meter', () => {
  const chunk = (amp: number, n = 1600) => {
    const pcm = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(amp * Math.sin(i / 3)))), i * 2);
    return { pcm, t: 0 };
  };
  it('follows the level, keeps the noise floor of the last seconds (the microphone\'s analysis), and counts clipped samples', () => {
    const m = new MicMeter();
    for (let i = 0; i < 20; i++) m.push(chunk(100));
    const quiet = m.current();
    expect(quiet.rmsDb).toBeCloseTo(20 * Math.log10(100 / Math.SQRT2 / 32768), 0);
    for (let i = 0; i < 5; i++) m.push(chunk(10000));
    const loud = m.current();
    expect(loud.rmsDb).toBeGreaterThan(quiet.rmsDb + 35);
    // Speech does not lift the floor: the quiet seconds are still in the window.
    expect(loud.floorDb).toBeCloseTo(quiet.rmsDb, 0);
    expect(loud.clipped).toBe(0);
    for (let i = 0; i < 10; i++) m.push(chunk(40000));
    expect(m.current().clipped).toBeGreaterThan(1000);
    // After the window of quiet seconds has passed, the floor follows the room up.
    for (let i = 0; i < 40; i++) m.push(chunk(10000));
    expect(m.current().floorDb).toBeGreaterThan(quiet.rmsDb + 30);
    expect(m.current().clipped).toBe(0);
  });
});
