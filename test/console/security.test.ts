import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConsoleAuth, consoleDir, readPairingCode, revokeAllSessions, setPassword } from '../../src/console/console-auth';
import type { DeviceActivity } from '../../src/console/console-devices';
import { SESSION_COOKIE } from '../../src/console/console-server';
import { parseSecretsText } from '../../src/config/secrets-file';

const HARNESS = resolve(__dirname, '../support/console-harness.js');

/** Every response body and event the tests saw, searched for the secrets at the end. */
const seen: string[] = [];

interface Client {
  base: string;
  cookie?: string;
  csrf?: string;
}

async function req(c: Client, method: string, path: string, o: { form?: Record<string, string>; headers?: Record<string, string>; body?: string; noCookie?: boolean } = {}) {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (c.cookie && !o.noCookie) headers.cookie = c.cookie;
  let body: string | undefined = o.body;
  if (o.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(o.form).toString();
  } else if (body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  const res = await fetch(`${c.base}${path}`, { method, headers, body, redirect: 'manual' });
  const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
  seen.push(text, JSON.stringify([...res.headers]));
  return { status: res.status, headers: res.headers, text };
}

/** Reads the event stream for `ms`, then closes it. */
async function readEvents(c: Client, ms: number): Promise<{ status: number; text: string; headers: Headers }> {
  const ctl = new AbortController();
  const res = await fetch(`${c.base}/events`, { headers: c.cookie ? { cookie: c.cookie } : {}, signal: ctl.signal });
  let text = '';
  const reader = res.body!.getReader();
  const timer = setTimeout(() => ctl.abort(), ms);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
  } catch {
    // aborted: the time is up
  }
  clearTimeout(timer);
  seen.push(text);
  return { status: res.status, text, headers: res.headers };
}

describe('console security: pairing, sessions, CSRF, bounded input, no secrets out', () => {
  const apiKey = `sk-test${randomBytes(20).toString('hex')}`;
  const hookUrl = `https://hooks.zapier.com/hooks/catch/123/${randomBytes(8).toString('hex')}/`;
  const newKey = `sk-page${randomBytes(20).toString('hex')}`;
  let dir: string;
  let secretsPath: string;
  let harness: ChildProcess;
  let base: string;
  let historyId: string;
  const ask = <T>(m: object, key: string): Promise<T> =>
    new Promise((res) => {
      const on = (r: Record<string, unknown>) => {
        if (key in r) {
          harness.off('message', on);
          res(r[key] as T);
        }
      };
      harness.on('message', on);
      harness.send(m);
    });
  const setActivity = (activity: DeviceActivity) => harness.send({ cmd: 'activity', activity });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'snapask-con-sec-'));
    secretsPath = join(dir, 'secrets/secrets.env');
    harness = fork(HARNESS, [JSON.stringify({ dir, secrets: [apiKey, hookUrl, newKey], historyError: `answer: Incorrect API key provided: ${apiKey}` })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await new Promise<{ base: string; historyId: string }>((res, rej) => {
      harness.once('message', (m) => res(m as { base: string; historyId: string }));
      harness.once('exit', (code) => rej(new Error(`console harness exited (${code})`)));
    });
    base = ready.base;
    historyId = ready.historyId;
  });
  afterAll(async () => {
    harness.send({ cmd: 'close' });
    await new Promise((r) => harness.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  });

  const anon = (): Client => ({ base });
  const ROUTES: Array<[string, string]> = [
    ['GET', '/'],
    ['GET', '/events'],
    ['GET', '/live/frame.jpg'],
    ['GET', '/history'],
    ['GET', '/setup'],
    ['GET', '/last'],
    ['GET', '/static/htmx.min.js'],
    ['GET', '/static/console.js'],
    ['POST', '/ask'],
    ['POST', '/history/delete'],
    ['POST', '/setup/secret'],
    ['POST', '/setup/setting'],
    ['POST', '/setup/doctor'],
    ['POST', '/setup/calibration'],
    ['POST', '/signout'],
    ['GET', '/no-such-page'],
  ];

  it('answers 401 on every route but pairing without a session, and serves the pairing page', async () => {
    for (const [method, path] of [...ROUTES, ['GET', `/pictures/${historyId}/1`] as [string, string]]) {
      const r = await req(anon(), method, path, method === 'POST' ? { form: { text: 'x' } } : {});
      expect([method, path, r.status]).toEqual([method, path, 401]);
    }
    const pairPage = await req(anon(), 'GET', '/pair');
    expect(pairPage.status).toBe(200);
    expect(pairPage.text).toContain('Pair this browser');
    // A cookie that is not a session's is no session.
    const forged = await req({ base, cookie: `${SESSION_COOKIE}=${randomBytes(32).toString('base64url')}` }, 'GET', '/');
    expect(forged.status).toBe(401);
  });

  it('pairs with the code: an HttpOnly, SameSite=Strict, expiring cookie; the code is used once', async () => {
    const code = readPairingCode(consoleDir(dir));
    const r = await req(anon(), 'POST', '/pair', { form: { code } });
    expect(r.status).toBe(303);
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{40,};`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toMatch(/Expires=/);
    const c: Client = { base, cookie: cookie.split(';')[0] };
    expect((await req(c, 'GET', '/')).status).toBe(200);
    // The code changed: the same one again is wrong.
    expect(readPairingCode(consoleDir(dir))).not.toBe(code);
    expect((await req(anon(), 'POST', '/pair', { form: { code } })).status).toBe(401);
    // The files: the service user's alone.
    expect(statSync(consoleDir(dir)).mode & 0o777).toBe(0o700);
    for (const f of ['pairing-code', 'sessions.json']) expect(statSync(join(consoleDir(dir), f)).mode & 0o777).toBe(0o600);
    // The session file never holds the cookie's token.
    expect(readFileSync(join(consoleDir(dir), 'sessions.json'), 'utf8')).not.toContain(c.cookie!.split('=')[1]);
  });

  it('throttles wrong codes (even the right one waits), says so on the device once, and lets the right code in after the wait', async () => {
    // (The earlier test's one wrong code counts too: wrong codes in a row.)
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await req(anon(), 'POST', '/pair', { form: { code: String(100000 + i) } })).status);
    expect(statuses[0]).toBe(401);
    expect(statuses.slice(-2)).toEqual([429, 429]);
    const right = readPairingCode(consoleDir(dir));
    const locked = await req(anon(), 'POST', '/pair', { form: { code: right } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    const said = await ask<string[]>({ cmd: 'said' }, 'said');
    expect(said.filter((s) => /wrong console code/.test(s))).toHaveLength(1);
    // The per-address limit of the rate-limit plugin: 10 a minute on /pair.
    await new Promise((r) => setTimeout(r, 4100));
    const ok = await req(anon(), 'POST', '/pair', { form: { code: readPairingCode(consoleDir(dir)) } });
    expect(ok.status).toBe(303);
  });

  it('refuses a state change without the session\'s CSRF token, or from another site', async () => {
    // A fresh server-side budget on /pair is not needed: pairing goes through the auth object directly.
    const c = await pairDirect();
    expect((await req(c, 'POST', '/ask', { form: { text: 'hello' } })).status).toBe(403);
    expect((await req(c, 'POST', '/ask', { form: { text: 'hello', _csrf: 'wrong' } })).status).toBe(403);
    expect((await req(c, 'POST', '/ask', { form: { text: 'hello' }, headers: { 'x-csrf-token': 'x'.repeat(32) } })).status).toBe(403);
    expect((await req(c, 'POST', '/history/delete', { form: {} })).status).toBe(403);
    // The setup page's checks and calibration speak and listen on the device: state changes like the rest.
    for (const job of ['/setup/doctor', '/setup/calibration']) {
      expect((await req(c, 'POST', job, { form: {} })).status).toBe(403);
      expect(await req(c, 'POST', job, { form: {}, headers: { 'x-csrf-token': c.csrf! } })).toMatchObject({ status: 200, text: 'started' });
    }
    expect((await req(c, 'GET', `/pictures/${historyId}/1`)).status).toBe(200);
    const evil = await req(c, 'POST', '/ask', { form: { text: 'hello', _csrf: c.csrf! }, headers: { origin: 'http://evil.example' } });
    expect(evil.status).toBe(403);
    const good = await req(c, 'POST', '/ask', { form: { text: 'hello' }, headers: { 'x-csrf-token': c.csrf! } });
    expect(good.status).toBe(200);
    expect(good.text).toContain('Asked: “hello”');
  });

  it('takes picture ids, never paths: traversal attempts find nothing', async () => {
    const c = await pairDirect();
    const id = historyId;
    expect((await req(c, 'GET', `/pictures/${id}/1`)).status).toBe(200);
    expect((await req(c, 'GET', `/pictures/${id}/1/thumb`)).status).toBe(200);
    for (const path of [
      `/pictures/..%2F..%2Fsecrets/1`,
      `/pictures/${id}/..%2F..%2F..%2Fsecrets%2Fsecrets.env`,
      `/pictures/${id}/1/..%2F..%2Fentry.json`,
      `/pictures/../../secrets/secrets.env`,
      `/pictures/${id}/0`,
      `/pictures/${id}/99`,
      `/pictures/h0000000000000-000000/1`,
      `/static/..%2F..%2Fsecrets%2Fsecrets.env`,
      `/static/../../package.json`,
    ]) {
      const r = await req(c, 'GET', path);
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.text).not.toContain('OPENAI_API_KEY');
    }
  });

  it('bounds request bodies (413) and never echoes them', async () => {
    const c = await pairDirect();
    const big = 'a'.repeat(100_000);
    const r = await req(c, 'POST', '/ask', { body: `text=${big}`, headers: { 'x-csrf-token': c.csrf! } });
    expect(r.status).toBe(413);
    expect(r.text).toBe('request too large');
    // /pair: refused (too large, or over the address's budget for the minute), the body never echoed.
    const p = await req(anon(), 'POST', '/pair', { body: `code=${big}` });
    expect([413, 429]).toContain(p.status);
    expect(p.text).not.toContain('aaaaaaaaaa');
    const long = await req(c, 'POST', '/ask', { form: { text: 'b'.repeat(600) }, headers: { 'x-csrf-token': c.csrf! } });
    expect(long.status).toBe(400);
    const json = await req(c, 'POST', '/ask', { body: '{"text":', headers: { 'x-csrf-token': c.csrf!, 'content-type': 'application/json' } });
    expect(json.status).toBeGreaterThanOrEqual(400);
    expect(json.status).toBeLessThan(500);
  });

  it('says so where a picture was deleted by hand', async () => {
    const c = await pairDirect();
    expect((await req(c, 'GET', '/history')).text).toContain(`/pictures/${historyId}/1/thumb`);
    rmSync(join(dir, 'history', historyId, 'pic-1.jpg'));
    const page = await req(c, 'GET', '/history');
    expect(page.text).toContain('picture 1 is missing (deleted on the device)');
    expect(page.text).not.toContain(`/pictures/${historyId}/1/thumb`);
    expect((await req(c, 'GET', `/pictures/${historyId}/1`)).status).toBe(404);
  });

  it('sends a strict Content-Security-Policy with every page and the event stream', async () => {
    const c = await pairDirect();
    for (const path of ['/', '/history', '/setup', '/pair']) {
      const r = await req(c, 'GET', path);
      const csp = r.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe');
      // No inline script or style the policy would have to allow.
      expect(r.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(r.text).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
      expect(r.headers.get('x-frame-options')).toBe('DENY');
    }
    const live = await req(c, 'GET', '/');
    expect(live.text).toContain('"allowEval":false'.replace(/"/g, '&#34;'));
    expect(live.text).toContain('"includeIndicatorStyles":false'.replace(/"/g, '&#34;'));
    const ev = await readEvents(c, 700);
    expect(ev.status).toBe(200);
    expect(ev.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(ev.text).toContain('event: frame\ndata: 7');
    expect(ev.text).toContain('event: level');
  });

  it('ends every session on `snapask console reset`, at once in the running server, open event streams too', async () => {
    const c = await pairDirect();
    expect((await req(c, 'GET', '/')).status).toBe(200);
    const t0 = Date.now();
    const stream = readEvents(c, 12_000);
    await new Promise((r) => setTimeout(r, 300));
    revokeAllSessions(consoleDir(dir));
    expect((await req(c, 'GET', '/')).status).toBe(401);
    // The stream ends by itself within the hub's 5 s check, well before the reader gives up.
    await stream;
    expect(Date.now() - t0).toBeLessThan(7000);
  }, 20_000);

  it('expires sessions', () => {
    let now = 1_000_000;
    const auth = new ConsoleAuth({ dir: join(dir, 'expiry'), sessionMs: 1000, now: () => now });
    const r = auth.pair(auth.code());
    if (!r.ok) throw new Error('not paired');
    expect(auth.session(r.token)).toBeDefined();
    now += 1001;
    expect(auth.session(r.token)).toBeUndefined();
  });

  it('takes a password instead of the code when one is set', () => {
    const d = join(dir, 'pw');
    const auth = new ConsoleAuth({ dir: d });
    setPassword(d, 'correct horse battery');
    expect(auth.usesPassword).toBe(true);
    expect(auth.pair(auth.code()).ok).toBe(false);
    expect(auth.pair('correct horse battery').ok).toBe(true);
    setPassword(d, '');
    expect(auth.usesPassword).toBe(false);
  });

  it('writes a secret from the setup page and never shows it; no secret in any page, event or error the tests saw', async () => {
    const c = await pairDirect();
    const r = await req(c, 'POST', '/setup/secret', { form: { name: 'OPENAI_API_KEY', value: newKey, _csrf: c.csrf! } });
    expect(r.status).toBe(200);
    expect(parseSecretsText(readFileSync(secretsPath, 'utf8')).OPENAI_API_KEY).toBe(newKey);
    expect(statSync(secretsPath).mode & 0o777).toBe(0o600);
    // Activity text that quotes a secret (an error's detail) is scrubbed in the event stream.
    const stream = readEvents(c, 600);
    await new Promise((res) => setTimeout(res, 200));
    setActivity({ led: 'error', doing: `error: Incorrect API key provided: ${apiKey}`, pictures: 0, camera: 'running' });
    const ev = await stream;
    expect(ev.text).toContain('Incorrect API key provided: [redacted]');
    const hist = await req(c, 'GET', '/history');
    expect(hist.text).toContain('Incorrect API key provided: [redacted]');
    await req(c, 'GET', '/setup');
    expect(seen.length).toBeGreaterThan(40);
    for (const secret of [apiKey, hookUrl, newKey, hookUrl.split('/catch/')[1]!]) {
      expect(seen.filter((s) => s.includes(secret))).toEqual([]);
    }
    // Nor the session token: the cookie is never written into a page.
    expect(seen.filter((s) => s.includes(c.cookie!.split('=')[1]!) && !s.includes('set-cookie'))).toEqual([]);
  });

  /** A session without the HTTP pairing route (its per-address budget is the throttle test's). */
  async function pairDirect(): Promise<Client> {
    const auth = new ConsoleAuth({ dir: consoleDir(dir) });
    const r = auth.pair(auth.code());
    if (!r.ok) throw new Error('could not pair');
    const c: Client = { base, cookie: `${SESSION_COOKIE}=${r.token}` };
    const page = await req(c, 'GET', '/');
    c.csrf = /"X-CSRF-Token":"([^"]+)"/.exec(page.text.replace(/&#34;/g, '"'))![1];
    return c;
  }
});
