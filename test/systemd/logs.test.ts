import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, redactText, secretValues } from '../../src/log';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { fakeEnv } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { startService } from '../support/service-process';
import { synthesise } from '../support/speech';

const dir = mkdtempSync(join(tmpdir(), 'snapask-logs-'));
// Shaped like the real ones, different on every run.
const API_KEY = `sk-proj-${randomBytes(30).toString('base64url')}`;
const HOOK_PATH = `/hooks/catch/${1000000 + Math.floor(Math.random() * 8999999)}/${randomBytes(5).toString('hex')}/`;
const ZAPIER_TOKEN = randomBytes(16).toString('hex');
const MCP_TOKEN = `Bearer zmcp_${randomBytes(20).toString('hex')}`;

function capture(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => out };
}

describe('secrets in the logs', () => {
  it('finds the secrets of the environment by name', () => {
    expect(secretValues({ OPENAI_API_KEY: API_KEY, ZAPIER_HOOK_URL: `https://hooks.zapier.com${HOOK_PATH}`, ZAPIER_TOKEN, PATH: '/usr/bin', SHORT_TOKEN: 'abc' }).sort())
      .toEqual([API_KEY, `https://hooks.zapier.com${HOOK_PATH}`, ZAPIER_TOKEN].sort());
  });

  it('are removed from messages, fields and error texts, whatever their path', () => {
    const hook = `https://hooks.zapier.com${HOOK_PATH}`;
    const { stream, text } = capture();
    const log = createLogger({ destination: stream, secrets: [API_KEY, hook, ZAPIER_TOKEN] });
    log.error({ err: new Error(`POST ${hook} failed`) }, `request with key ${API_KEY}`);
    log.info({ openai: { apiKey: API_KEY }, zapier: { hookUrl: hook }, headers: { authorization: `Bearer ${API_KEY}` } }, 'config');
    log.warn({ detail: { nested: { deeper: `token=${ZAPIER_TOKEN}` } } }, 'odd place');
    log.info({ quoted: `"${ZAPIER_TOKEN}"` }, 'escaped');
    const out = text();
    expect(out.split('\n').filter(Boolean)).toHaveLength(4);
    for (const s of [API_KEY, hook, HOOK_PATH, ZAPIER_TOKEN]) expect(out).not.toContain(s);
    expect(out.match(/\[redacted\]/g)!.length).toBeGreaterThanOrEqual(7);
  });

  it('are removed by shape when not known by value: OpenAI keys, Zapier catch hooks, bearer tokens', () => {
    const line = JSON.stringify({ msg: `key sk-abcdefghijklmnopqrstuvwx, hook https://hooks.zapier.com/hooks/catch/123/abc/ and Authorization: Bearer abcdefgh12345678` });
    const out = redactText(line, []);
    expect(out).toBe(JSON.stringify({ msg: 'key [redacted], hook https://hooks.zapier.com/hooks/catch/[redacted] and Authorization: Bearer [redacted]' }));
  });
});

/**
 * The service with a real-looking API key, Zapier hook URL and token in its
 * environment, at debug level, through a whole question: not one of them may
 * appear in anything it writes.
 */
describe('snapask run does not log its secrets', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it('answers a question with the key in use, and its stdout and stderr hold none of the secrets', async () => {
    const speech = await synthesise(
      [{ silence: 0.5 }, { text: 'what is this' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.6 }, { text: 'reply' }, { silence: 1.5 }],
      { engine: 'flite', voice: 'kal' },
    );
    writeFileSync(join(dir, 'q.wav'), speech.wav);
    writeServiceConfig(dir, { apiBase: fake.url, frames: 45, size: '320x240', fps: 15, config: { zapier: { timeoutMs: 1000 } } });
    const hookUrl = `https://hooks.zapier.com${HOOK_PATH}`;
    const env = fakeEnv({
      OPENAI_API_KEY: API_KEY, ZAPIER_HOOK_URL: hookUrl, ZAPIER_TOKEN, ZAPIER_MCP_TOKEN: MCP_TOKEN,
      FAKE_ARECORD_WAV: join(dir, 'q.wav'), FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_APLAY_DIR: join(dir, 'played'),
    });
    delete env.NOTIFY_SOCKET;
    const svc = startService<{ msg: string; turn?: TurnEvent }>(join(dir, 'config.json'), env, ['--debug']);
    const turns = () => svc.lines.filter((l) => l.turn).map((l) => l.turn!);
    await svc.until(() => turns().some((t) => t.event === 'spoken' || t.event === 'error'), 60_000).finally(() => svc.stop());
    const { stdout, stderr } = svc;

    expect(turns().map((t) => t.event)).toEqual(expect.arrayContaining(['snapshot', 'upload', 'message', 'spoken']));
    // The key did go out, to the API, in the Authorization header.
    expect(fake.requests.length).toBeGreaterThan(2);
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);
    // Debug level: plenty was logged.
    expect(stdout.split('\n').length).toBeGreaterThan(10);
    const all = stdout + stderr;
    for (const s of [API_KEY, API_KEY.slice(8), hookUrl, HOOK_PATH, ZAPIER_TOKEN, MCP_TOKEN, MCP_TOKEN.slice(7)]) expect(all).not.toContain(s);
  }, 90_000);
});
