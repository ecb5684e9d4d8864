import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sameToken, type ConsoleAuth, type Session } from './console-auth';
import type { ConsoleDevices } from './console-devices';
import { EventHub } from './event-hub';
import type { HistoryEntry, HistoryStore } from './history-store';

import { historyEntryFragment, historyPage, lastFragment, livePage, notPairedPage, pairPage, setupPage, esc, type JobLine, type JobName, type SetupView } from './pages';

export const SESSION_COOKIE = 'snapask_session';

/** What the setup page shows and changes; values of secrets never come back out. */
export interface ConsoleSetup {
  view(): Omit<SetupView, 'message'>;
  /** Writes a secret (OPENAI_API_KEY, ZAPIER_HOOK_URL) to the service's secrets file; a message for the page. */
  setSecret(name: string, value: string): string;
  setSetting(key: string, value: string): string;
  /** Starts the checks of snapask doctor or the calibration; a message for the page (their lines come as `job` events). */
  startJob(job: JobName): string;
  /** Each line of a job as it comes; returns the unsubscribe. */
  onJobLine(listener: (job: JobName, line: JobLine) => void): () => void;
}

export interface ConsoleServerOptions {
  host: string;
  port: number;
  previewFps: number;
  auth: ConsoleAuth;
  devices: ConsoleDevices;
  history: HistoryStore;
  setup: ConsoleSetup;
  /** A typed question, with a picture of now if asked, through the service's turn logic; its turn id. */
  ask: (text: string, snapshot: boolean) => string;
  /** Every secret value and secret-shaped string out of a text: applied to everything the console sends. */
  redact: (text: string) => string;
  log: { info(msg: string): void; warn(msg: string): void };
  /** Longest request body, bytes. */
  bodyLimit?: number;
}

/** The routes anyone may reach: the pairing page and its stylesheet. */
const PUBLIC = new Set(['GET /pair', 'POST /pair', 'POST /pair/say', 'GET /static/console.css']);

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  // Not no-referrer: under it a browser sends "Origin: null" with the console's own forms, which the origin check refuses.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/** assets/console (the stylesheet and the small script), beside dist/ or src/. */
function assetsDir(): string {
  return resolve(__dirname, __dirname.includes('/dist/') ? '../../../assets/console' : '../../assets/console');
}

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession?: Session;
  }
}

/**
 * The console: server-rendered pages (htmx for the forms, a small script for the live events), served by the
 * service itself. Pairing first; then a session cookie; every state change carries the session's CSRF token.
 */
export class ConsoleServer {
  readonly app: FastifyInstance;
  readonly hub: EventHub;
  private readonly statics: Map<string, { body: Buffer; type: string }>;
  private saidThrottle = 0;
  private saidCode = 0;
  private readonly stopListening: () => void;

  constructor(private readonly o: ConsoleServerOptions) {
    this.hub = new EventHub(o.devices, { previewFps: o.previewFps, redact: o.redact });
    const dir = assetsDir();
    this.statics = new Map([
      ['/static/htmx.min.js', { body: readFileSync(require.resolve('htmx.org/dist/htmx.min.js')), type: 'text/javascript; charset=utf-8' }],
      ['/static/console.js', { body: readFileSync(join(dir, 'console.js')), type: 'text/javascript; charset=utf-8' }],
      ['/static/console.css', { body: readFileSync(join(dir, 'console.css')), type: 'text/css; charset=utf-8' }],
    ]);
    this.app = Fastify({ bodyLimit: o.bodyLimit ?? 16_384, logger: false, trustProxy: false, return503OnClosing: true });
    const stopHistory = o.history.onChange((e) => this.hub.send('history', JSON.stringify(entrySummary(e))));
    const stopJobs = o.setup.onJobLine((job, line) => this.hub.send('job', JSON.stringify({ job, ...line })));
    this.stopListening = () => {
      stopHistory();
      stopJobs();
    };
    o.devices.onActivity((a) => this.hub.send('activity', JSON.stringify(a)));
    this.routes();
  }

  async listen(): Promise<string> {
    await this.app.ready();
    return this.app.listen({ host: this.o.host, port: this.o.port });
  }

  async close(): Promise<void> {
    this.stopListening();
    this.hub.close();
    await this.app.close();
  }

  private routes(): void {
    const app = this.app;
    const o = this.o;
    void app.register(fastifyCookie);
    void app.register(fastifyFormbody, { bodyLimit: o.bodyLimit ?? 16_384 });
    void app.register(fastifyRateLimit, { global: false });

    app.addHook('onRequest', async (req, reply) => {
      const key = `${req.method} ${req.routeOptions.url ?? ''}`;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        // A request from another site's page: refused whatever it carries.
        const origin = req.headers.origin;
        if (origin !== undefined && hostOf(origin) !== req.headers.host) return reply.code(403).type('text/plain').send('forbidden: another site');
      }
      if (PUBLIC.has(key)) return;
      const session = o.auth.session(req.cookies[SESSION_COOKIE]);
      if (!session) {
        const html = req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
        return reply.code(401).type(html ? 'text/html; charset=utf-8' : 'text/plain').send(html ? notPairedPage() : 'not paired: open /pair');
      }
      req.consoleSession = session;
    });
    // Every state change carries the session's CSRF token (htmx: a header; plain forms: a field).
    app.addHook('preHandler', async (req, reply) => {
      if (req.method === 'GET' || req.method === 'HEAD' || !req.consoleSession) return;
      const body = req.body as Record<string, unknown> | undefined;
      const given = req.headers['x-csrf-token'] ?? (typeof body?._csrf === 'string' ? body._csrf : undefined);
      if (!sameToken(typeof given === 'string' ? given : undefined, req.consoleSession.csrf)) return reply.code(403).type('text/plain').send('forbidden: missing or wrong CSRF token; reload the page');
    });
    app.addHook('onSend', async (_req, reply, payload) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(k) || k === 'content-security-policy') reply.header(k, v);
      // A last guard: no secret leaves in any text the console sends.
      return typeof payload === 'string' ? o.redact(payload) : payload;
    });
    app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
      if (status >= 500) o.log.warn(`console: ${o.redact(err.message)}`);
      const text = status === 413 ? 'request too large' : status === 429 ? 'too many requests: wait a moment' : status < 500 ? 'bad request' : 'the console could not do that (see the service log)';
      return reply.code(status).type('text/plain').send(text);
    });
    app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('not found'));

    app.get('/pair', async (_req, reply) => reply.type('text/html; charset=utf-8').send(pairPage({ password: o.auth.usesPassword })));
    app.post('/pair', { config: { rateLimit: { max: 10, timeWindow: 60_000 } } }, async (req, reply) => this.pair(req, reply));
    app.post('/pair/say', { config: { rateLimit: { max: 3, timeWindow: 60_000 } } }, async (_req, reply) => {
      // Said at most every 20 s, whoever asks: the code is for the people in the room.
      if (!o.auth.usesPassword && Date.now() - this.saidCode > 20_000) {
        this.saidCode = Date.now();
        // The code never leaves the device: said by the offline voice even where answers use OpenAI's.
        o.devices.say(`The console code is ${o.auth.code().split('').join(' ')}.`, { offline: true });
      }
      return reply.type('text/html; charset=utf-8').send(pairPage({ password: o.auth.usesPassword, message: 'Listen to the device.' }));
    });
    app.post('/signout', async (req, reply) => {
      o.auth.end(req.consoleSession!);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect('/pair', 303);
    });

    for (const [path, file] of this.statics) {
      app.get(path, async (_req, reply) => reply.type(file.type).header('cache-control', 'no-store').send(file.body));
    }

    app.get('/', async (req, reply) => {
      const activity = o.devices.activity();
      return reply
        .type('text/html; charset=utf-8')
        .send(livePage({ csrf: req.consoleSession!.csrf, activity, camera: activity.camera === 'running', ...(o.history.list()[0] ? { last: o.history.list()[0] } : {}) }));
    });
    app.get('/events', async (req, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
      const token = req.cookies[SESSION_COOKIE];
      this.hub.add(reply.raw, () => o.auth.session(token) !== undefined);
      req.raw.on('close', () => reply.raw.end());
    });
    app.get('/live/frame.jpg', async (_req, reply) => {
      const f = o.devices.latestFrame();
      if (!f) return reply.code(404).type('text/plain').send('no camera frame');
      return reply.type('image/jpeg').send(f.jpeg);
    });
    app.get('/last', async (_req, reply) => reply.type('text/html; charset=utf-8').send(lastFragment(o.history.list()[0])));
    app.post('/ask', async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const text = typeof body.text === 'string' ? body.text.trim() : '';
      if (!text || text.length > 500) return reply.code(400).type('text/html; charset=utf-8').send('<span class="problem">Type a question (up to 500 characters).</span>');
      o.ask(text, body.snapshot === '1');
      return reply.type('text/html; charset=utf-8').send(`Asked: “${esc(text)}”. The answer is spoken on the device and shown below.`);
    });

    app.get('/history', async (req, reply) => {
      const entries = o.history.list();
      const html = entries.map((e) => historyEntryFragment(e, (n) => existsSync(o.history.picturePath(e.id, n, 'full') ?? '/nonexistent')));
      return reply.type('text/html; charset=utf-8').send(historyPage({ csrf: req.consoleSession!.csrf, entries: html, count: entries.length }));
    });
    app.post('/history/delete', async (_req, reply) => {
      await o.history.deleteAll();
      return reply.type('text/html; charset=utf-8').send('<p class="quiet">No questions yet.</p>');
    });
    const picture = async (req: FastifyRequest, reply: FastifyReply, kind: 'full' | 'thumb') => {
      const { id, n } = req.params as { id: string; n: string };
      const path = /^\d{1,4}$/.test(n) ? o.history.picturePath(id, Number(n), kind) : undefined;
      if (!path) return reply.code(404).type('text/plain').send('no such picture');
      try {
        return reply.type('image/jpeg').header('cache-control', 'private, max-age=3600').send(await readFile(path));
      } catch {
        return reply.code(404).type('text/plain').send('picture missing (deleted on the device)');
      }
    };
    app.get('/pictures/:id/:n', (req, reply) => picture(req, reply, 'full'));
    app.get('/pictures/:id/:n/thumb', (req, reply) => picture(req, reply, 'thumb'));

    app.get('/setup', async (req, reply) => reply.type('text/html; charset=utf-8').send(setupPage({ csrf: req.consoleSession!.csrf, view: o.setup.view() })));
    app.post('/setup/secret', async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const message = o.setup.setSecret(String(body.name ?? ''), String(body.value ?? ''));
      return reply.type('text/html; charset=utf-8').send(setupPage({ csrf: req.consoleSession!.csrf, view: { ...o.setup.view(), message } }));
    });
    for (const job of ['doctor', 'calibration'] as const) {
      app.post(`/setup/${job}`, async (_req, reply) => reply.type('text/html; charset=utf-8').send(esc(o.setup.startJob(job))));
    }
    app.post('/setup/setting', async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const message = o.setup.setSetting(String(body.key ?? ''), String(body.value ?? ''));
      return reply.type('text/html; charset=utf-8').send(setupPage({ csrf: req.consoleSession!.csrf, view: { ...o.setup.view(), message } }));
    });
  }

  private async pair(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const o = this.o;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const code = typeof body.code === 'string' ? body.code.slice(0, 200) : '';
    const result = o.auth.pair(code);
    if (result.ok) {
      void reply.setCookie(SESSION_COOKIE, result.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        expires: new Date(result.session.expires),
      });
      o.log.info('console: a browser was paired');
      return reply.redirect('/', 303);
    }
    if (result.throttled) {
      // Said once in a while: someone in the house is guessing, or a guest's device is.
      if (Date.now() - this.saidThrottle > 300_000) {
        this.saidThrottle = Date.now();
        o.devices.say('Someone entered a wrong console code several times.');
      }
      o.log.warn('console: wrong pairing codes: throttled');
      const seconds = Math.ceil(result.retryAfterMs / 1000);
      return reply
        .code(429)
        .header('retry-after', String(seconds))
        .type('text/html; charset=utf-8')
        .send(pairPage({ password: o.auth.usesPassword, message: `Too many wrong codes: wait ${seconds} s before the next try.` }));
    }
    return reply.code(401).type('text/html; charset=utf-8').send(pairPage({ password: o.auth.usesPassword, message: 'That is not the code.' }));
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** What the live page shows of a history entry. */
function entrySummary(e: HistoryEntry): { id: string; text: string; answer: string | null; state: string; pictures: number } {
  return { id: e.id, text: e.text, answer: e.answer ?? null, state: e.state, pictures: e.pictures.length };
}
