import { appendFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav';
import { ControlClient } from '../../src/control/control-client';
import { CALIBRATION_SENTENCES } from '../../src/recognition/calibration/calibrate-recordings';
import { calibrationPath } from '../../src/recognition/calibration/calibration-file';
import { heldoutRooms } from '../bench/keywords-heldout';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { syntheticSession, writeMicrophoneSequence } from '../support/calibration-session';
import { runCli } from '../support/cli';
import { fakeEnv } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { startService } from '../support/service-process';

const WORDS = ['snapshot', 'reply', 'cancel', 'stop'];

interface LogLine {
  msg: string;
  turn?: { event: string };
}

/**
 * `snapask calibrate` while `snapask run` (the learned engine, on the fake devices) holds the microphone as ALSA
 * holds a capture device: muted, the service refuses to lend it (one line, nothing saved); then the calibration
 * goes through the service: its voice says every prompt, the fake microphone the service reads plays the next
 * recording each time the service records, the command words said meanwhile start nothing, and the fit is saved.
 */
describe('snapask calibrate with the service running', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('is refused in one line while the service cannot lend its microphone, then records through the service and saves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-cal-svc-'));
    const r = await syntheticSession({ engine: 'flite', voice: 'rms', rate: 1 }, heldoutRooms()[0]!, 3, WORDS);
    const files = writeMicrophoneSequence(dir, r);
    // Between the recordings the microphone hears the room.
    writeFileSync(join(dir, 'room.wav'), encodeWav(Buffer.from(r.room.buffer, r.room.byteOffset, 5 * 32000), 16000));
    const cues = join(dir, 'cues');
    writeServiceConfig(dir, { apiBase: fake.url, frames: 45, size: '320x240', fps: 15, config: { recogniser: { engine: 'learned' } } });
    const runtime = join(dir, 'run');
    const played = join(dir, 'played');
    const env = {
      FAKE_ARECORD_WAV: join(dir, 'room.wav'), FAKE_ARECORD_SEQUENCE: join(dir, 'sequence'), FAKE_ARECORD_CUES: cues,
      // One capture at a time, as ALSA's: a calibration that opened the microphone itself would be told "busy".
      FAKE_ALSA_LOCKS: join(dir, 'locks'),
      FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_APLAY_DIR: played, RUNTIME_DIRECTORY: runtime,
    };
    const svcEnv = fakeEnv(env);
    delete svcEnv.OPENAI_API_KEY;
    delete svcEnv.NOTIFY_SOCKET;
    const svc = startService<LogLine>(join(dir, 'config.json'), svcEnv);
    const config = join(dir, 'config.json');
    const client = await (async () => {
      await svc.until((l) => l.some((x) => x.msg === 'listening') && l.some((x) => x.msg === 'control socket ready'), 60_000);
      return (await ControlClient.connect(join(runtime, 'control.sock')))!;
    })().catch(async (e: unknown) => {
      await svc.stop();
      throw e;
    });
    try {
      // Muted: the service does not lend its microphone; one line, nothing saved, nothing opened here.
      await client.setMuted(true);
      const refused = await runCli(['calibrate', '--config', config], env);
      expect({ code: refused.code, stderr: refused.stderr, lines: refused.stdout.trim().split('\n') }).toEqual({
        code: 1,
        stderr: '',
        lines: ['The snapask service is running and cannot lend its microphone now: its microphone is muted (turn it on first: double press the button); run snapask calibrate again when it is idle. Nothing was saved.'],
      });
      await client.setMuted(false);
      for (let i = 0; i < 200 && (await client.state()).activity !== 'listening'; i++) await new Promise((res) => setTimeout(res, 50));
      expect((await client.state()).activity).toBe('listening');

      const spokenBefore = readdirSync(played).length;
      const calibrating = runCli(['calibrate', '--config', config], env, 400_000);
      // Each time the service records, the person says the next recording of the session.
      for (let i = 0; i < files.length; i++) {
        await svc.until((l) => l.filter((x) => x.msg === 'calibration: recording').length > i, 60_000);
        appendFileSync(cues, `${i}\n`);
      }
      const run = await calibrating;
      expect(run.stderr).toBe('');
      const lines = run.stdout.trim().split('\n');
      expect(lines[0]).toBe(`Through the running snapask service (${join(runtime, 'control.sock')}): it says the prompts and records; meanwhile the words you say do not act.`);
      expect(lines[1]).toBe('Recording the room for 30 seconds: please stay quiet.');
      expect(lines).toContain('Say "stop" (5 of 5).');
      for (const w of WORDS) expect(lines.some((l) => l.startsWith(`"${w}": heard in `))).toBe(true);
      expect(lines.filter((l) => /busy|Nothing was saved/i.test(l))).toEqual([]);
      expect(lines).toContain(`Saved in ${calibrationPath(join(dir, 'state'))}; the service hears with it from now on (no restart needed).`);
      // ... and it does: the running engine took the file.
      await svc.until((l) => l.some((x) => x.msg.startsWith('keyword calibration applied')), 10_000);
      expect(run.code).toBe(0);
      expect(existsSync(calibrationPath(join(dir, 'state')))).toBe(true);
      // Every prompt said in the service's voice: the room, the sentences, five of each word, and thanks.
      expect(readdirSync(played).length - spokenBefore).toBe(1 + CALIBRATION_SENTENCES.length + 5 * WORDS.length + 1);
      // The microphone given back when calibrate ended; the words said for it started nothing.
      await svc.until((l) => l.some((x) => x.msg === 'calibration: microphone given back'), 10_000);
      expect(svc.lines.filter((l) => l.turn?.event === 'keyword' || l.turn?.event === 'snapshot')).toEqual([]);
      expect(await client.state()).toMatchObject({ activity: 'listening', pictures: 0, muted: false });
    } finally {
      client.close();
      await svc.stop();
    }
  }, 480_000);
});
