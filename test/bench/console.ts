import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { createFrameSource } from '../../src/camera/create-frame-source';
import type { FrameSource } from '../../src/camera/frame';
import { MonotonicClock } from '../../src/clock';
import { DEFAULT_CONFIG } from '../../src/config/config';
import { ConsoleAuth, consoleDir } from '../../src/console/console-auth';
import { activityOf, type ConsoleDevices } from '../../src/console/console-devices';
import { ConsoleServer, SESSION_COOKIE } from '../../src/console/console-server';
import { HistoryStore } from '../../src/console/history-store';
import { ServiceControl } from '../../src/control/service-control';
import { LogIndicator } from '../../src/indicator/indicator';
import { createLogger } from '../../src/log';
import { createAssistantSide } from '../../src/app/thread-manager-factory';
import type { Speaker } from '../../src/speech/speaker';
import type { TurnEvent } from '../../src/turn/turn-events';
import { TurnLogic } from '../../src/turn/turn-logic';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { launchBrowser } from '../support/browser';
import { FAKE_BIN } from '../support/fake-bin';
import { calibrationFitBench } from './console-calibration';
import { percentile, printMetric } from './metric';

const dir = mkdtempSync(join(tmpdir(), 'snapask-bench-con-'));
const clock = new MonotonicClock();
const log = createLogger({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const silent: Speaker = { speak: async (s) => { let n = 0; for await (const _ of s) n++; return { sentences: n }; } };

/** The console server in this process over `frames`, paired: its base URL and a session cookie. */
async function consoleOn(frames: FrameSource | undefined, history: HistoryStore) {
  // The service's record of its states, as the console reads it there.
  const activity = new ServiceControl({ clock, say: async () => undefined });
  const camera = frames ? 'running' : 'none';
  const devices: ConsoleDevices = {
    latestFrame: () => frames?.latest?.(),
    micLevel: () => activity.micLevel(),
    activity: () => activityOf(activity, camera),
    onActivity: (l) => activity.onState(() => l(activityOf(activity, camera))),
    say: () => undefined,
  };
  const auth = new ConsoleAuth({ dir: consoleDir(join(dir, `auth-${Math.random()}`)) });
  const server = new ConsoleServer({
    host: '127.0.0.1', port: 0, previewFps: DEFAULT_CONFIG.console.previewFps, auth, devices, history,
    setup: { view: () => ({ secrets: [], settings: [], doctor: { running: false, lines: [] }, calibration: { running: false, lines: [] } }), setSecret: () => '', setSetting: () => '', startJob: () => '', onJobLine: () => () => undefined },
    ask: () => '', redact: (t) => t, log: { info: () => undefined, warn: () => undefined },
  });
  const base = await server.listen();
  const paired = auth.pair(auth.code());
  if (!paired.ok) throw new Error('bench: could not pair');
  return { server, base, cookie: `${SESSION_COOKIE}=${paired.token}`, activity };
}

/** 200 questions with two pictures each, as the history holds at its default limit. */
function fullHistory(): HistoryStore {
  const pics = execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=1', '-frames:v', '1', '-q:v', '5', '-f', 'mjpeg', '-']);
  writeFileSync(join(dir, 'pic.jpg'), pics);
  const store = new HistoryStore(join(dir, 'history-state'), DEFAULT_CONFIG.console.history, { onError: (m) => { throw new Error(m); }, thumbnails: false });
  for (let i = 0; i < 200; i++) {
    const e = store.add({ turn: `t${i}`, from: i % 3 ? 'voice' : 'page', text: `question number ${i}: what is this thing on the shelf and is it working`, pictureFiles: [join(dir, 'pic.jpg'), join(dir, 'pic.jpg')] });
    store.update(e.id, (h) => {
      h.answer = 'It is a small plant in a clay pot. The leaves look healthy, but the soil seems dry, so water it a little. '.repeat(3);
      h.state = 'answered';
      h.timings = { keywordToCaptureMs: [0.4, 0.5], replyToRequestMs: 210, firstTokenMs: 640, firstAudioMs: 380 };
    });
  }
  return store;
}

/** The history page with 200 questions, served locally. */
async function historyPage(): Promise<void> {
  const history = fullHistory();
  await history.flushed();
  const { server, base, cookie } = await consoleOn(undefined, history);
  try {
    const ms: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      const r = await fetch(`${base}/history`, { headers: { cookie } });
      const html = await r.text();
      ms.push(performance.now() - t0);
      if (r.status !== 200 || (html.match(/<article/g) ?? []).length !== 200) throw new Error(`history page: HTTP ${r.status}`);
    }
    printMetric({ metric: 'console_page_ms_p95', value: percentile(ms.slice(10), 95), unit: 'ms', target: 100 });
  } finally {
    await server.close();
  }
}

/** This process's CPU over `ms`, percent of one core. */
async function cpuPercent(ms: number): Promise<number> {
  const before = process.cpuUsage();
  const t0 = performance.now();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1000 / (performance.now() - t0)) * 100;
}

/** N viewers in a process of their own. */
async function viewers(base: string, cookie: string, n: number): Promise<() => void> {
  const p = spawn(process.execPath, [join(__dirname, 'console-viewers.js'), base, cookie, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    p.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    p.on('exit', (code) => reject(new Error(`viewers exited (${code})`)));
  });
  return () => p.kill('SIGTERM');
}

/** From the "snapshot" keyword to the JPEG in hand on the live ring (as the camera bench) for `ms`, and whether each is the right frame. */
async function keywordToJpeg(fake: FakeOpenAI, camera: FrameSource, ms: number): Promise<{ p95: number; n: number; wrong: number }> {
  const config = structuredClone(DEFAULT_CONFIG);
  config.openai.baseURL = fake.url;
  config.stateDir = mkdtempSync(join(dir, 'state-'));
  const last: { took?: { at: number; frameTime: number } } = {};
  const indicator = new LogIndicator(log);
  const emit = (e: TurnEvent) => {
    if (e.event === 'snapshot') last.took = { at: performance.now(), frameTime: e.frame_time };
  };
  const side = createAssistantSide(config, {}, log, { speaker: silent, indicator, emit });
  const turn = new TurnLogic({ commands: config.commands, frames: camera, ...side, indicator, log, emit });
  const took: number[] = [];
  let wrong = 0;
  const until = performance.now() + ms;
  for (let i = 0; performance.now() < until; i++) {
    const start = clock.now() - 0.6 - (i % 10) * 0.1;
    last.took = undefined;
    const t0 = performance.now();
    turn.onRecognition({ type: 'keyword', word: 'snapshot', role: 'snapshot', start, end: start + 0.5, detectedAt: start + 0.6 });
    // (read after the call: TypeScript cannot see that onRecognition sets it)
    const shot = last.took as { at: number; frameTime: number } | undefined;
    if (!shot) throw new Error(`no snapshot for a word at ${start}`);
    took.push(shot.at - t0);
    // The first frame at or after the word's start, as with nobody watching: never an earlier or a later one.
    const frame = camera.frameAt(start)!;
    if (shot.frameTime !== frame.t || frame.t < start) wrong++;
    await sleep(i % 10 === 9 ? 300 : 50);
  }
  await turn.finish();
  return { p95: percentile(took, 95), n: took.length, wrong };
}

/** Wall-clock milliseconds as the page's performance.timeOrigin + performance.now() give them (the same clock). */
const wallMs = () => performance.timeOrigin + performance.now();

/**
 * The live page in Debian's chromium, paired by the session cookie. Its own EventSource stamps each `activity`
 * event as the page's script receives it (performance.timeOrigin + performance.now(): the system's wall clock,
 * as the server's marks, both processes on this machine).
 */
async function livePageIn(browser: BrowserContext, base: string, cookie: string): Promise<Page> {
  const [name, value] = cookie.split('=') as [string, string];
  await browser.addCookies([{ name, value, url: base, httpOnly: true, sameSite: 'Strict' }]);
  const page = await browser.newPage();
  await page.addInitScript(`(() => {
    const Page = window.EventSource;
    window.__activity = [];
    window.EventSource = class extends Page {
      constructor(url, opts) {
        super(url, opts);
        this.addEventListener('activity', (e) => window.__activity.push({ at: performance.timeOrigin + performance.now(), led: JSON.parse(e.data).led }));
      }
    };
  })()`);
  const r = await page.goto(`${base}/`);
  if (r?.status() !== 200) throw new Error(`live page: HTTP ${r?.status()}`);
  await page.waitForSelector('body[data-events=open]');
  await page.waitForFunction('document.getElementById("cam").complete && document.getElementById("cam").naturalWidth > 0');
  return page;
}

/** Pictures the page has shown so far (its camera image's address changes with each). */
async function pageFrames(page: Page, ms: number): Promise<number> {
  const seen = new Set<string>();
  const until = performance.now() + ms;
  while (performance.now() < until) {
    seen.add(String(await page.evaluate('document.getElementById("cam").src')));
    await sleep(200);
  }
  return seen.size;
}

/** The LED state changes every half second for `ms`; each change's server-side mark. */
async function changeStates(activity: ServiceControl, ms: number): Promise<{ at: number; led: string }[]> {
  const states = ['thinking', 'speaking', 'listening'] as const;
  const marks: { at: number; led: string }[] = [];
  const until = performance.now() + ms;
  for (let i = 0; performance.now() < until; i++) {
    const led = states[i % 3]!;
    marks.push({ at: wallMs(), led });
    activity.set(led);
    await sleep(500);
  }
  return marks;
}

/** Each state change to its event at the page: the first `activity` event after the previous one's with that LED. */
function eventLatencies(marks: { at: number; led: string }[], received: { at: number; led: string }[]): number[] {
  const ms: number[] = [];
  let j = 0;
  for (const m of marks) {
    while (j < received.length && !(received[j]!.led === m.led && received[j]!.at >= m.at - 5)) j++;
    if (j === received.length) throw new Error(`the page never had the change to ${m.led} at ${m.at}`);
    ms.push(received[j]!.at - m.at);
    j++;
  }
  return ms;
}

const MINUTE = 60_000;

/**
 * CPU of the console with one live viewer (the real browser), then a minute of snapshots with nobody
 * watching and a minute with the browser and 20 light viewers on the live view and event stream, the LED
 * state changing every half second in both; state change to event measured at the browser.
 */
async function underLoad(): Promise<void> {
  process.env.PATH = `${FAKE_BIN}:${process.env.PATH ?? ''}`;
  const mjpeg = join(dir, 'camera.mjpeg');
  writeFileSync(mjpeg, execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=15,noise=alls=12:allf=t', '-frames:v', '45', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'mjpeg', '-'], { maxBuffer: 64 * 1024 * 1024 }));
  const camera = await createFrameSource({ ...DEFAULT_CONFIG.camera, pipelineDelayMs: 0 }, { clock, env: { ...process.env, FAKE_CAMERA_MJPEG: mjpeg } });
  if (!camera) throw new Error('no camera');
  await camera.start();
  const fake = await startFakeOpenAI();
  const { server, base, cookie, activity } = await consoleOn(camera, new HistoryStore(join(dir, 'load-state'), DEFAULT_CONFIG.console.history, { onError: () => undefined }));
  const browser = await launchBrowser();
  try {
    await sleep(3500); // a full ring
    const idle = await cpuPercent(30_000);
    const page = await livePageIn(browser, base, cookie);
    const watched = await cpuPercent(30_000);
    printMetric({ metric: 'console_cpu_percent', value: Math.max(0, watched - idle), unit: '%', target: 5 });
    await page.close();
    await sleep(500);

    const [alone] = await Promise.all([keywordToJpeg(fake, camera, MINUTE), changeStates(activity, MINUTE)]);

    const live = await livePageIn(browser, base, cookie);
    const stopMany = await viewers(base, cookie, 20);
    await sleep(1000);
    const [loaded, marks, shown] = await Promise.all([keywordToJpeg(fake, camera, MINUTE), changeStates(activity, MINUTE), pageFrames(live, MINUTE)]);
    stopMany();
    await sleep(200);
    const received = (await live.evaluate('window.__activity')) as { at: number; led: string }[];
    const latency = eventLatencies(marks, received);
    printMetric({ metric: 'console_event_latency_ms_p95', value: percentile(latency, 95), unit: 'ms', target: 100 });
    printMetric({ metric: 'console_event_latency_ms_max', value: Math.max(...latency), unit: 'ms' });
    printMetric({ metric: 'console_event_latency_changes', value: latency.length, unit: 'changes' });
    printMetric({ metric: 'console_load_browser_pictures_shown', value: shown, unit: 'pictures' });
    printMetric({ metric: 'keyword_to_jpeg_ms_p95_console_no_clients', value: alone.p95, unit: 'ms', target: 5 });
    printMetric({ metric: 'keyword_to_jpeg_ms_p95_console_browser_20_clients', value: loaded.p95, unit: 'ms', target: 5 });
    printMetric({ metric: 'console_load_snapshots', value: alone.n + loaded.n, unit: 'snapshots' });
    printMetric({ metric: 'console_load_wrong_snapshot_frames', value: alone.wrong + loaded.wrong, unit: 'frames', target: 0 });
  } finally {
    await browser.close();
    await server.close();
    await camera.stop();
    await fake.close();
  }
}

export async function consoleBenchmarks(): Promise<void> {
  await historyPage();
  await underLoad();
  await calibrationFitBench();
}
