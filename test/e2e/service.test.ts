import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../../src/audio/wav';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { fakeEnv, REPO_ROOT } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { startService } from '../support/service-process';
import { synthesise } from '../support/speech';

const dir = mkdtempSync(join(tmpdir(), 'snapask-svc-'));
const FPS = 15;

interface LogLine {
  msg: string;
  turn?: TurnEvent;
}

/**
 * The service as it runs on the device, on fake devices: arecord speaks a WAV
 * in real time, rpicam-vid streams MJPEG in real time and logs when each frame
 * left the "sensor", aplay keeps what it is given. Both fakes stamp times on
 * CLOCK_MONOTONIC, so the test knows which frame was in front of the lens when
 * the word began.
 */
describe('snapask run on fake microphone, camera and speaker', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it('answers a spoken question with the snapshot from the moment the word began', async () => {
    const speech = await synthesise(
      [{ silence: 0.6 }, { text: 'what is this' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.3 }, { text: 'is it red' }, { silence: 0.8 }, { text: 'reply' }, { silence: 1.2 }],
      { engine: 'flite', voice: 'kal' },
    );
    writeFileSync(join(dir, 'q.wav'), speech.wav);
    writeServiceConfig(dir, { apiBase: fake.url, frames: FPS * 4, size: '320x240', fps: FPS, camera: { pipelineDelayMs: 0 }, config: { api: 'assistants' } });
    const env = fakeEnv({
      FAKE_ARECORD_WAV: join(dir, 'q.wav'), FAKE_ARECORD_LOG: join(dir, 'arecord.log'),
      FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_CAMERA_LOG: join(dir, 'camera.log'),
      FAKE_APLAY_DIR: join(dir, 'played'),
    });
    delete env.OPENAI_API_KEY;
    const svc = startService<LogLine>(join(dir, 'config.json'), env);
    await svc.until((l) => l.some((x) => x.turn?.event === 'spoken' || x.turn?.event === 'error'), 60_000).catch((e: unknown) => {
      svc.proc.kill('SIGKILL');
      throw e;
    });
    expect(await svc.stop()).toBe(0);
    const lines = svc.lines;

    const turns = lines.filter((l) => l.turn).map((l) => l.turn!);
    expect(turns.filter((t) => t.event === 'error')).toEqual([]);
    expect(fake.violations).toEqual([]);

    // Which frame left the camera first at or after the instant the word began?
    const micStart = Number(readFileSync(join(dir, 'arecord.log'), 'utf8').trim());
    const written = readFileSync(join(dir, 'camera.log'), 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]);
    const truth = speech.words.find((w) => w.text === 'snapshot')!;
    const wordStarted = micStart + truth.start;
    const expected = written.find(([, t]) => t >= wordStarted)![0];
    const snaps = turns.filter((t): t is Extract<TurnEvent, { event: 'snapshot' }> => t.event === 'snapshot');
    expect(snaps).toHaveLength(1);
    // Within a frame or two: the recogniser's word start is an estimate of the truth.
    expect(Math.abs(snaps[0]!.frame_index - expected)).toBeLessThanOrEqual(2);

    const message = turns.find((t): t is Extract<TurnEvent, { event: 'message' }> => t.event === 'message')!;
    expect(message.file_ids).toHaveLength(1);
    expect(message.text).not.toMatch(/snapshot|reply/);

    // The cues (ready first, once listening; click at the snapshot, chime when sent) and the answer, each a real WAV.
    const played = readdirSync(join(dir, 'played')).sort().map((f) => readFileSync(join(dir, 'played', f)));
    const cue = (name: string) => readFileSync(join(REPO_ROOT, 'assets/cues', `${name}.wav`));
    expect(played[0]!.equals(cue('ready'))).toBe(true);
    expect(played.filter((w) => w.equals(cue('ready')))).toHaveLength(1);
    expect(played.filter((w) => w.equals(cue('click')))).toHaveLength(1);
    expect(played.filter((w) => w.equals(cue('chime')))).toHaveLength(1);
    const answers = played.filter((w) => !w.equals(cue('click')) && !w.equals(cue('chime')) && !w.equals(cue('ready')));
    expect(answers).toHaveLength(1);
    expect(parseWav(answers[0]!).pcm.length).toBeGreaterThan(24000);
  }, 90_000);

  it('runs voice-only without a camera, and keeps running (error LED, log, reopen attempts) while the microphone fails', async () => {
    writeFileSync(join(dir, 'config2.json'), JSON.stringify({
      openai: { baseURL: fake.url }, recogniser: { engine: 'pocketsphinx' }, stateDir: join(dir, 'state2'),
      // Named, not auto: the Pi camera's own failure is what is reported (auto would choose no camera, camera-kind.test.ts).
      camera: { kind: 'rpicam' },
    }));
    const env = fakeEnv({ FAKE_CAMERA_FAIL: '1', FAKE_CAMERA_MJPEG: '/dev/null', FAKE_ARECORD_FAIL: '1', FAKE_ARECORD_WAV: '/dev/null' });
    const svc = startService<{ msg: string; err?: string }>(join(dir, 'config2.json'), env);
    // Waits for the service to report the lost microphone (a fixed 3 s sent SIGTERM before a loaded machine had
    // started it), then for reopen attempts (after 0.5, 1 and 2 s).
    await svc.until((l) => l.some((m) => m.msg.startsWith('microphone stopped')) && l.some((m) => m.msg === 'indicator error'), 20_000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(svc.proc.exitCode).toBeNull();
    expect(await svc.stop()).toBe(0);
    const msgs = svc.lines;
    expect(msgs.find((m) => m.msg === 'camera not available: running voice-only')?.err).toMatch(/no cameras available/);
    // Reported once however many reopen attempts fail, on the log and on the LEDs.
    expect(msgs.filter((m) => m.msg === 'microphone stopped: arecord exited: arecord: main:831: audio open error: No such file or directory')).toHaveLength(1);
    expect(msgs.map((m) => m.msg)).toContain('indicator error');
  }, 30_000);
});
