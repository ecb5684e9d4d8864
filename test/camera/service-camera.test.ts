import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { fakeEnv, playedAfterReady, REPO_ROOT } from '../support/fake-bin';
import { mjpegFrames } from '../support/jpeg';
import { synthesise } from '../support/speech';
import { startService } from '../support/service-process';

const dir = mkdtempSync(join(tmpdir(), 'snapask-svccam-'));

interface LogLine {
  msg: string;
  turn?: TurnEvent;
  camera?: string;
}

/** `snapask run` on the fake devices until `done` says so (or 60 s), then SIGTERM; its log lines. */
async function runService(config: object, env: NodeJS.ProcessEnv, done: (lines: LogLine[]) => boolean): Promise<LogLine[]> {
  const cfg = join(dir, `config-${Math.random()}.json`);
  writeFileSync(cfg, JSON.stringify(config));
  const svc = startService<LogLine>(cfg, env);
  await svc.until(done, 60_000).catch((e: unknown) => {
    svc.proc.kill('SIGKILL');
    throw e;
  });
  expect(await svc.stop()).toBe(0);
  return svc.lines;
}

/**
 * The service as wired in run.ts, with each kind of camera fault or camera:
 * the speech is real (flite), recognised by PocketSphinx.
 */
describe('snapask run: the camera kinds and the camera missing', () => {
  let fake: FakeOpenAI;
  let wav: string;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    const speech = await synthesise([{ silence: 0.5 }, { text: 'what is this' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 1.5 }], { engine: 'flite', voice: 'kal' });
    wav = join(dir, 'q.wav');
    writeFileSync(wav, speech.wav);
    writeFileSync(join(dir, 'cam.mjpeg'), mjpegFrames(30, '320x240'));
  });
  afterAll(() => fake.close());
  const base = () => ({ openai: { baseURL: fake.url }, recogniser: { engine: 'pocketsphinx' }, stateDir: mkdtempSync(join(dir, 'state-')) });

  it('with no camera at boot (camera.kind auto, the default) it runs voice-only, says why, and says "the camera is not available" for a snapshot', async () => {
    const played = join(dir, 'played-voice-only');
    const env = fakeEnv({ FAKE_CAMERA_FAIL: '1', FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_ARECORD_WAV: wav, FAKE_APLAY_DIR: played });
    const noWebcam = join(dir, 'no-video0');
    const lines = await runService({ ...base(), camera: { device: noWebcam } }, env, () => playedAfterReady(played).length > 0);
    expect(lines.find((l) => l.msg === `camera.kind auto: no Pi camera (rpicam-vid lists none) and no ${noWebcam}: voice only`)).toBeDefined();
    expect(lines.find((l) => l.msg?.startsWith('no camera found: running voice-only'))).toBeDefined();
    expect(lines.map((l) => l.turn).filter((t) => t?.event === 'snapshot-failed')).toEqual([{ event: 'snapshot-failed', reason: 'the camera is not available' }]);
  }, 90_000);

  it('takes the snapshot from a USB webcam (ffmpeg reading V4L2)', async () => {
    const device = join(dir, 'video0');
    writeFileSync(device, '');
    const env = fakeEnv({ FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_ARECORD_WAV: wav, FAKE_APLAY_DIR: join(dir, 'played-v4l2') });
    env.PATH = `${resolve(REPO_ROOT, 'test/bin-v4l2')}:${env.PATH}`;
    const config = { ...base(), camera: { kind: 'v4l2', device, width: 320, height: 240, fps: 15, pipelineDelayMs: 0 } };
    const lines = await runService(config, env, (ls) => ls.some((l) => l.turn?.event === 'upload'));
    expect(lines.find((l) => l.msg === 'camera running')?.camera).toBe('v4l2');
    expect(lines.filter((l) => l.turn?.event === 'snapshot')).toHaveLength(1);
  }, 90_000);

  it('takes the snapshot from a kept-warm still camera', async () => {
    const env = fakeEnv({ FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_ARECORD_WAV: wav, FAKE_APLAY_DIR: join(dir, 'played-still'), FAKE_STILL_LATENCY_MS: '200' });
    const config = { ...base(), camera: { kind: 'still', width: 320, height: 240 } };
    const lines = await runService(config, env, (ls) => ls.some((l) => l.turn?.event === 'upload'));
    const keyword = lines.find((l) => l.turn?.event === 'keyword')!.turn as Extract<TurnEvent, { event: 'keyword' }>;
    const snap = lines.find((l) => l.turn?.event === 'snapshot')!.turn as Extract<TurnEvent, { event: 'snapshot' }>;
    expect(snap.frame_time).toBeGreaterThan(keyword.start); // a still is from when the word was heard, after it began
  }, 90_000);
});
