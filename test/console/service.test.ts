import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { runCli } from '../support/cli';
import { fakeEnv } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { startService, type ServiceProcess } from '../support/service-process';
import { freePort } from '../support/browser';

interface LogLine {
  msg: string;
  turn?: TurnEvent;
}

/** The console over plain HTTP on `snapask run` without a camera, and the service with the console off. */
describe('the console on the service', () => {
  let fake: FakeOpenAI;
  let svc: ServiceProcess<LogLine> | undefined;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    if (svc && svc.proc.exitCode === null) svc.proc.kill('SIGKILL');
    await fake.close();
  });

  const start = (dir: string, console: Record<string, unknown>, more: Record<string, unknown> = {}) => {
    writeFileSync(join(dir, 'quiet.wav'), encodeWav(Buffer.alloc(16000 * 2 * 2), 16000));
    writeServiceConfig(dir, { apiBase: fake.url, frames: 15, size: '160x120', fps: 15, camera: { kind: 'none' }, config: { console, ...more } });
    return (svc = startService<LogLine>(join(dir, 'config.json'), fakeEnv({ FAKE_ARECORD_WAV: join(dir, 'quiet.wav'), FAKE_APLAY_DIR: join(dir, 'played') })));
  };

  it('without a camera the live view says so and the rest works; wrong codes are throttled and said aloud; the code is never logged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-con-svc-'));
    const port = await freePort();
    const s = start(dir, { enabled: true, port, host: '127.0.0.1' });
    await s.until((l) => l.some((x) => x.msg === 'listening') && l.some((x) => x.msg.startsWith('console on port')), 60_000);
    const base = `http://127.0.0.1:${port}`;
    const code = (await runCli(['console', 'code', '--config', join(dir, 'config.json')])).stdout.trim();

    // Wrong codes: refused, then throttled, and the device says so once.
    const played = () => (existsSync(join(dir, 'played')) ? readdirSync(join(dir, 'played')).length : 0);
    const before = played();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const wrong = String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');
      const r = await fetch(`${base}/pair`, { method: 'POST', body: new URLSearchParams({ code: wrong }), redirect: 'manual' });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses[4]).toBe(429);
    await s.until(() => played() > before, 10_000);

    // The right code, after the wait the throttle asked for (2 s after the fourth).
    await new Promise((r) => setTimeout(r, 2100));
    const paired = await fetch(`${base}/pair`, { method: 'POST', body: new URLSearchParams({ code }), redirect: 'manual' });
    expect(paired.status).toBe(303);
    const cookie = paired.headers.get('set-cookie')!.split(';')[0]!;
    const live = await (await fetch(`${base}/`, { headers: { cookie } })).text();
    expect(live).toContain('No camera: the live view is off');
    expect((await fetch(`${base}/live/frame.jpg`, { headers: { cookie } })).status).toBe(404);
    const csrf = /X-CSRF-Token&#34;:&#34;([^&]+)&#34;/.exec(live)![1]!;

    // A typed question still goes and is answered, and kept in the history.
    const asked = await fetch(`${base}/ask`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf }, body: new URLSearchParams({ text: 'how warm is it' }) });
    expect(asked.status).toBe(200);
    await s.until((l) => l.some((x) => x.turn?.event === 'timings'), 30_000);
    expect(s.lines.find((l) => l.turn?.event === 'message')?.turn).toMatchObject({ text: 'how warm is it', file_ids: [] });
    const history = await (await fetch(`${base}/history`, { headers: { cookie } })).text();
    expect(history).toContain('how warm is it');
    expect(history).toContain('You asked: &#34;how warm is it&#34;');

    expect(await s.stop()).toBe(0);
    expect(s.stdout).not.toMatch(new RegExp(`\\b${code}\\b`));
  }, 90_000);

  it("says the pairing code with the offline voice even when answers use OpenAI's: no request carries it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-con-code-'));
    const port = await freePort();
    const s = start(dir, { enabled: true, port, host: '127.0.0.1' }, { tts: { engine: 'openai' } });
    await s.until((l) => l.some((x) => x.msg === 'listening') && l.some((x) => x.msg.startsWith('console on port')), 60_000);
    const base = `http://127.0.0.1:${port}`;
    const code = (await runCli(['console', 'code', '--config', join(dir, 'config.json')])).stdout.trim();
    const played = () => (existsSync(join(dir, 'played')) ? readdirSync(join(dir, 'played')).length : 0);
    const before = played();
    expect((await fetch(`${base}/pair/say`, { method: 'POST' })).status).toBe(200);
    await s.until(() => played() > before, 20_000);

    // An answer, spoken through the double's speech endpoint: the voice does go there, the code did not.
    const paired = await fetch(`${base}/pair`, { method: 'POST', body: new URLSearchParams({ code }), redirect: 'manual' });
    const cookie = paired.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /X-CSRF-Token&#34;:&#34;([^&]+)&#34;/.exec(await (await fetch(`${base}/`, { headers: { cookie } })).text())![1]!;
    await fetch(`${base}/ask`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf }, body: new URLSearchParams({ text: 'how warm is it' }) });
    await s.until((l) => l.some((x) => x.turn?.event === 'timings'), 30_000);
    const speech = fake.requests.filter((r) => r.path.endsWith('/audio/speech'));
    expect(speech.length).toBeGreaterThan(0);
    const sent = JSON.stringify(fake.requests);
    expect(sent).not.toContain(code.split('').join(' '));
    expect(sent).not.toContain(code);
    expect(await s.stop()).toBe(0);
  }, 90_000);

  it('is off unless the config turns it on: no port is opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-con-off-'));
    const port = await freePort();
    const s = start(dir, { port });
    await s.until((l) => l.some((x) => x.msg === 'listening'), 60_000);
    await expect(fetch(`http://127.0.0.1:${port}/pair`)).rejects.toThrow();
    expect(s.lines.some((l) => l.msg.startsWith('console'))).toBe(false);
    expect(await s.stop()).toBe(0);
  }, 60_000);
});
