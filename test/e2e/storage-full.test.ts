import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../../src/console/history-store';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { fakeEnv } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { startService, type ServiceProcess } from '../support/service-process';
import { synthesise } from '../support/speech';
import { mountSmallDisk, type SmallDisk } from '../support/tmpfs';

interface LogLine {
  msg: string;
  level: number;
  turn?: TurnEvent;
}

const FPS = 15;
const disk = mountSmallDisk(2 * 1024 * 1024);
const mounted = 'dir' in disk;

/**
 * `snapask run` whose state directory is on a full SD card (a 2 MiB tmpfs filled to the last page) holding the
 * history of an earlier console: the first write finds no space, the oldest history goes to make room (the
 * console is off, its history is still on the card), the owner is told once, and the question goes.
 */
(mounted ? describe : describe.skip)(`snapask run on a full disk${mounted ? '' : ` (skipped: ${(disk as { why: string }).why})`}`, () => {
  const d = disk as SmallDisk;
  let fake: FakeOpenAI;
  let svc: ServiceProcess<LogLine> | undefined;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    if (svc && svc.proc.exitCode === null) svc.proc.kill('SIGKILL');
    await svc?.exited;
    await fake.close();
    d.unmount();
  });

  it('makes room by deleting the oldest console history, says so once (log line with the fix, error LED), and answers the question', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-full-svc-'));
    const state = join(d.dir, 'state');
    mkdirSync(state);
    // Eight past questions with a 100 KiB picture each.
    const history = new HistoryStore(state, { maxQuestions: 200, maxDays: 30, maxMB: 200 }, { onError: () => undefined, thumbnails: false });
    for (let i = 0; i < 8; i++) {
      const pic = join(dir, `p${i}.jpg`);
      writeFileSync(pic, Buffer.from(Array.from({ length: 100 * 1024 }, (_, j) => (Math.imul(j + i * 7919, 2654435761) >>> 24) & 0xff)));
      const e = history.add({ turn: `t${i}`, from: 'voice', text: `question ${i}`, pictureFiles: [pic] });
      history.update(e.id, (h) => (h.state = 'answered'));
    }
    await history.flushed();
    const speech = await synthesise(
      [{ silence: 0.6 }, { text: 'what is this' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.3 }, { text: 'is it red' }, { silence: 0.8 }, { text: 'reply' }, { silence: 1.2 }],
      { engine: 'flite', voice: 'kal' },
    );
    writeFileSync(join(dir, 'q.wav'), speech.wav);
    writeServiceConfig(dir, { apiBase: fake.url, frames: FPS * 4, size: '320x240', fps: FPS, camera: { pipelineDelayMs: 0 }, config: { stateDir: state, speaker: { cues: false } } });
    d.fill();
    const env = fakeEnv({ FAKE_ARECORD_WAV: join(dir, 'q.wav'), FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_APLAY_DIR: join(dir, 'played') });
    delete env.OPENAI_API_KEY;
    svc = startService<LogLine>(join(dir, 'config.json'), env);
    await svc.until((l) => l.some((x) => x.turn?.event === 'timings'), 90_000);
    expect(await svc.stop()).toBe(0);

    const full = svc.lines.filter((l) => l.msg.startsWith("the device's storage is full"));
    expect(full).toHaveLength(1);
    expect(full[0]!.level).toBe(50);
    expect(full[0]!.msg).toMatch(/deleted (\d+ leftover files of interrupted writes and )?\d+ old console history entries to make room.*Fix: free space on the SD card/);
    expect(svc.lines.some((l) => l.msg === 'indicator error')).toBe(true);
    const messages = svc.lines.flatMap((l) => (l.turn?.event === 'message' ? [l.turn] : []));
    expect(messages).toEqual([expect.objectContaining({ file_ids: [expect.any(String)] })]);
    // The oldest entries went, the newest stayed.
    const left = readdirSync(join(state, 'history'));
    expect(left.length).toBeLessThan(8);
    expect(left.length).toBeGreaterThan(0);
    expect(fake.violations).toEqual([]);
  }, 120_000);
});
