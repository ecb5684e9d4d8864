import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { CLI } from '../support/cli';
import { fakeEnv, REPO_ROOT } from '../support/fake-bin';
import { mjpegFrames } from '../support/jpeg';
import { synthesise } from '../support/speech';
import { onJsonLines } from '../support/json-lines';

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
  const proc = spawn(process.execPath, [CLI, 'run', '--config', cfg], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.on('close', r));
  await new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; stderr: ${stderr}; log: ${JSON.stringify(lines.map((l) => l.msg))}`)), 60_000);
    const poll = setInterval(() => {
      if (done(lines)) {
        clearInterval(poll);
        clearTimeout(timer);
        resolvePromise();
      }
    }, 100);
    onJsonLines<LogLine>(proc.stdout, (l) => lines.push(l));
  }).catch((e: unknown) => {
    proc.kill('SIGKILL');
    throw e;
  });
  proc.kill('SIGTERM');
  expect(await exited).toBe(0);
  return lines;
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

  it('with no camera at boot it runs voice-only and says "the camera is not available" for a snapshot', async () => {
    const played = join(dir, 'played-voice-only');
    const env = fakeEnv({ FAKE_CAMERA_FAIL: '1', FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_ARECORD_WAV: wav, FAKE_APLAY_DIR: played });
    const lines = await runService(base(), env, () => existsSync(played) && readdirSync(played).length > 0);
    expect(lines.find((l) => l.msg === 'camera not available: running voice-only')).toBeDefined();
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
