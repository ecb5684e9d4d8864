import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { fakeEnv, playedAfterReady } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { startService, type ServiceProcess } from '../support/service-process';
import { synthesise } from '../support/speech';

interface LogLine {
  msg: string;
  turn?: TurnEvent;
  indicator?: string;
  secrets?: { file: string[]; env: string[] };
}

const NEED_KEY = /^I need an OpenAI API key: put OPENAI_API_KEY=sk-\.\.\. in (\S+secrets\/secrets\.env) \(sudo nano \1\)/;
/** Not shaped like an OpenAI key (sk-...): only the logger's by-value redaction of the secrets file can keep it out. */
const newKey = (name: string) => `test-${name}-${randomBytes(16).toString('hex')}`;
const bearers = (fake: FakeOpenAI) => fake.requests.map((r) => String(r.headers.authorization));
const held = (lines: LogLine[]) => lines.flatMap((l) => (l.turn?.event === 'held' ? [l.turn] : []));

/**
 * The service's own secrets file (<stateDir>/secrets/secrets.env), on the fake devices. The test double listens
 * on 127.0.0.2, which the service does not take for a test double on this machine (those accept any key): to it
 * this is the real API, which needs a key.
 */
describe('snapask run: its own secrets file, and no key is no crash', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ host: '127.0.0.2' });
  });
  afterAll(() => fake.close());
  let svc: ServiceProcess<LogLine> | undefined;
  afterEach(async () => {
    if (svc && svc.proc.exitCode === null) svc.proc.kill('SIGKILL');
    svc = undefined;
  });

  const quiet = (dir: string) => {
    writeFileSync(join(dir, 'quiet.wav'), encodeWav(Buffer.alloc(16000 * 2 * 2), 16000));
    return join(dir, 'quiet.wav');
  };
  const envFor = (dir: string, wav: string, extra: Record<string, string> = {}) => {
    const env = fakeEnv({ FAKE_ARECORD_WAV: wav, FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_APLAY_DIR: join(dir, 'played') });
    delete env.OPENAI_API_KEY;
    delete env.ZAPIER_HOOK_URL;
    delete env.ZAPIER_MCP_TOKEN;
    return { ...env, ...extra };
  };
  const config = (dir: string) => writeServiceConfig(dir, { apiBase: fake.url, frames: 30, size: '320x240', fps: 15, camera: { kind: 'none' } });

  it('without a key: stays up, says so once, keeps a spoken question, and sends it when a key is written to the file (no restart); no key reaches the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-nokey-'));
    const speech = await synthesise([{ silence: 0.6 }, { text: 'is it red' }, { silence: 0.8 }, { text: 'reply' }, { silence: 1.5 }], { engine: 'flite', voice: 'kal' });
    writeFileSync(join(dir, 'q.wav'), speech.wav);
    config(dir);
    const s = (svc = startService<LogLine>(join(dir, 'config.json'), envFor(dir, join(dir, 'q.wav'))));
    const file = join(dir, 'state/secrets/secrets.env');

    // Up and listening, the question kept in the spool, nothing sent.
    await s.until((l) => held(l).length > 0, 60_000);
    expect(s.proc.exitCode).toBeNull();
    const needs = s.lines.filter((l) => NEED_KEY.test(l.msg));
    expect(needs).toHaveLength(1);
    expect(NEED_KEY.exec(needs[0]!.msg)![1]).toBe(file);
    expect(held(s.lines)[0]!.reason).toBe('no OpenAI API key is set');
    expect(s.lines.map((l) => l.msg)).toContain('indicator needs-setup');
    expect(readdirSync(join(dir, 'state/turns')).length).toBeGreaterThan(0);
    expect(fake.requests).toHaveLength(0);
    // Said aloud: the notice and "your question is kept" went to the speaker.
    expect(playedAfterReady(join(dir, 'played')).length).toBeGreaterThanOrEqual(1);
    // The service made the file for the key: its user's alone.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'state/secrets')).mode & 0o777).toBe(0o700);

    // A wrong key first: the API's refusal quotes it, as OpenAI's does; the log must not.
    const wrong = newKey('wrong');
    fake.inject({
      operation: /^POST /,
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${wrong}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    });
    writeFileSync(file, `OPENAI_API_KEY=${wrong}\n`);
    await s.until((l) => held(l).some((h) => /\(401\)/.test(h.reason)), 20_000);
    expect(bearers(fake)).toContain(`Bearer ${wrong}`);

    // The right key: the held question goes at once (not after the 10 min a refusal waits), from the same process.
    const right = newKey('right');
    writeFileSync(file, `# the key\nOPENAI_API_KEY="${right}"\n`);
    await s.until((l) => l.some((x) => x.turn?.event === 'spoken'), 30_000);
    expect(bearers(fake)).toContain(`Bearer ${right}`);
    expect(s.lines.filter((l) => l.msg === 'listening')).toHaveLength(1);
    expect(s.lines.filter((l) => NEED_KEY.test(l.msg))).toHaveLength(1);
    expect(s.lines.map((l) => l.msg)).toContain('OpenAI API key set: questions kept until now are sent');
    // The question asked while there was no key, asked once.
    expect(s.lines.filter((l) => l.turn?.event === 'message').length).toBeGreaterThanOrEqual(1);
    expect(fake.questions).toHaveLength(1);
    expect(await s.stop()).toBe(0);

    // Never in the log, not even inside the API's error message.
    for (const key of [wrong, right]) {
      expect(s.stdout).not.toContain(key);
      expect(s.stderr).not.toContain(key);
    }
    expect(held(s.lines).find((h) => /\(401\)/.test(h.reason))!.reason).toContain('Incorrect API key provided: [redacted]');
  }, 120_000);

  it('refuses a secrets file others can read, with one line saying how to fix it, and takes it once it is mode 600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-loose-'));
    config(dir);
    const file = join(dir, 'state/secrets/secrets.env');
    mkdirSync(join(dir, 'state/secrets'), { recursive: true, mode: 0o700 });
    const key = newKey('loose');
    writeFileSync(file, `OPENAI_API_KEY=${key}\n`);
    chmodSync(file, 0o640);
    const s = (svc = startService<LogLine>(join(dir, 'config.json'), envFor(dir, quiet(dir))));
    const refused = `the secrets file ${file} can be read by others (mode 640): ignored; fix: sudo chmod 600 ${file}`;
    await s.until((l) => l.some((x) => x.msg === 'listening') && l.some((x) => NEED_KEY.test(x.msg)), 60_000);
    expect(s.lines.filter((l) => l.msg === refused)).toHaveLength(1);
    // Said once, not at every look at the file.
    await new Promise((r) => setTimeout(r, 2500));
    expect(s.lines.filter((l) => l.msg === refused)).toHaveLength(1);

    chmodSync(file, 0o600);
    await s.until((l) => l.some((x) => x.msg === 'OpenAI API key set: questions kept until now are sent'), 10_000);
    expect(s.proc.exitCode).toBeNull();
    expect(await s.stop()).toBe(0);
    expect(s.stdout).not.toContain(key);
  }, 90_000);

  it('an environment variable wins over the file, and the file fills in what the environment does not set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-env-'));
    const speech = await synthesise([{ silence: 0.6 }, { text: 'is it red' }, { silence: 0.8 }, { text: 'reply' }, { silence: 1.5 }], { engine: 'flite', voice: 'kal' });
    writeFileSync(join(dir, 'q.wav'), speech.wav);
    config(dir);
    mkdirSync(join(dir, 'state/secrets'), { recursive: true, mode: 0o700 });
    const fromFile = newKey('file');
    const fromEnv = newKey('env');
    writeFileSync(join(dir, 'state/secrets/secrets.env'), `OPENAI_API_KEY=${fromFile}\nZAPIER_HOOK_URL=https://hooks.zapier.com/hooks/catch/1/${newKey('hook')}/\n`, { mode: 0o600 });
    const before = fake.requests.length;
    const s = (svc = startService<LogLine>(join(dir, 'config.json'), envFor(dir, join(dir, 'q.wav'), { OPENAI_API_KEY: fromEnv })));
    await s.until((l) => l.some((x) => x.turn?.event === 'spoken' || x.turn?.event === 'error'), 60_000);
    expect(await s.stop()).toBe(0);
    const sent = bearers(fake).slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent)).toEqual(new Set([`Bearer ${fromEnv}`]));
    expect(s.lines.find((l) => l.secrets)?.secrets).toEqual({ file: ['OPENAI_API_KEY', 'ZAPIER_HOOK_URL'], env: ['OPENAI_API_KEY'] });
    expect(s.lines.filter((l) => NEED_KEY.test(l.msg))).toHaveLength(0);
    for (const key of [fromFile, fromEnv]) expect(s.stdout).not.toContain(key);
  }, 90_000);
});
