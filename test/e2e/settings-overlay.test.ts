import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav';
import { settingsOverlayPath, writeSettings } from '../../src/config/settings-overlay';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { fakeEnv } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { startService, type ServiceProcess } from '../support/service-process';

interface LogLine {
  msg: string;
  voiceOnly?: boolean;
}

/** The service on the fake devices with a settings overlay in its state directory: the file's camera is the Pi camera. */
describe('snapask run: the settings overlay', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());
  let svc: ServiceProcess<LogLine> | undefined;
  afterEach(() => {
    if (svc && svc.proc.exitCode === null) svc.proc.kill('SIGKILL');
    svc = undefined;
  });

  const start = (prepare: (stateDir: string) => void, extraEnv: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-overlay-'));
    writeServiceConfig(dir, { apiBase: fake.url, frames: 60, size: '320x240', fps: 15 });
    writeFileSync(join(dir, 'quiet.wav'), encodeWav(Buffer.alloc(16000 * 2 * 3), 16000));
    mkdirSync(join(dir, 'state'), { recursive: true });
    prepare(join(dir, 'state'));
    const env = fakeEnv({ FAKE_ARECORD_WAV: join(dir, 'quiet.wav'), FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_APLAY_DIR: join(dir, 'played'), ...extraEnv });
    return (svc = startService<LogLine>(join(dir, 'config.json'), env));
  };
  const listening = (s: ServiceProcess<LogLine>) => s.lines.find((l) => l.msg === 'listening');

  it('is applied over the config file, and the environment wins over it', async () => {
    const s = start((state) => writeSettings(state, { 'camera.kind': 'none' }));
    await s.until((l) => l.some((x) => x.msg === 'listening'), 60_000);
    expect(listening(s)!.voiceOnly).toBe(true);
    expect(await s.stop()).toBe(0);

    const e = start((state) => writeSettings(state, { 'camera.kind': 'none' }), { SNAPASK_CAMERA_KIND: 'rpicam' });
    await e.until((l) => l.some((x) => x.msg === 'listening'), 60_000);
    expect(listening(e)!.voiceOnly).toBe(false);
    expect(await e.stop()).toBe(0);
  }, 150_000);

  it('when invalid, is one warning line and left out: the service starts on the file', async () => {
    const s = start((state) => writeFileSync(settingsOverlayPath(state), '{"camera": {"kind": "none", "zoom": 2}}'));
    await s.until((l) => l.some((x) => x.msg === 'listening'), 60_000);
    expect(listening(s)!.voiceOnly).toBe(false);
    const warnings = s.lines.filter((l) => l.msg.startsWith('settings overlay ignored'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/unknown key "camera\.zoom"; did you mean "camera\.\w+"\?; fix or delete \S+settings\.json$/);
    expect(await s.stop()).toBe(0);
  }, 150_000);
});
