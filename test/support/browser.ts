import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { REPO_ROOT } from './fake-bin';
import { startService, type ServiceProcess } from './service-process';

/** A TCP port nobody listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Debian's chromium, headless, with a profile of its own (its own downloads cannot be fetched here). */
export async function launchBrowser(viewport = { width: 390, height: 844 }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'snapask-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}


/** Where the console's screenshots are kept, to be looked at. */
export const CONSOLE_SHOTS = join(REPO_ROOT, 'build/console');

/** `snapask run` with its console, a browser on it and a fresh page. */
export interface ConsoleInBrowser<L> {
  svc: ServiceProcess<L>;
  browser: BrowserContext;
  page: Page;
  /** What the page's console said about the Content Security Policy (each line with the page it came from). */
  csp: string[];
}

/**
 * The console tests' set-up: the OpenAI test double on 127.0.0.2 (to the service it is the real API, which needs a
 * key), the screenshots folder, and after the tests the browser closed and the service killed. `start` runs the
 * service with the fake devices' `env` (with no OpenAI or Zapier secrets of the test runner's), launches the
 * browser meanwhile and opens a page once `ready` holds of the service's log.
 */
export function consoleBrowserHarness<L extends { msg: string }>(): {
  readonly fake: FakeOpenAI;
  start(config: string, env: NodeJS.ProcessEnv, ready: (lines: L[]) => boolean, timeoutMs: number): Promise<ConsoleInBrowser<L>>;
} {
  let fake: FakeOpenAI | undefined;
  let svc: ServiceProcess<L> | undefined;
  let browser: BrowserContext | undefined;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ host: '127.0.0.2' });
    mkdirSync(CONSOLE_SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    if (svc && svc.proc.exitCode === null) svc.proc.kill('SIGKILL');
    await fake?.close();
  });
  return {
    get fake() {
      return fake!;
    },
    async start(config, env, ready, timeoutMs) {
      for (const k of ['OPENAI_API_KEY', 'ZAPIER_HOOK_URL', 'ZAPIER_MCP_TOKEN']) delete env[k];
      const s = (svc = startService<L>(config, env));
      const launching = launchBrowser();
      await s.until(ready, timeoutMs);
      const b = (browser = await launching);
      const page = await b.newPage();
      const csp: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused/i.test(m.text())) csp.push(`${page.url()}: ${m.text()}`);
      });
      return { svc: s, browser: b, page, csp };
    },
  };
}
