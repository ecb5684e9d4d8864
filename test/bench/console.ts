import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** The history page with 200 questions, served locally; and state change to event at an event-stream client. */
async function pageAndEvents(): Promise<void> {
  const history = fullHistory();
  await history.flushed();
  const { server, base, cookie, activity } = await consoleOn(undefined, history);
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

    // The LED state changes; the time until the stream's client has the event.
    const res = await fetch(`${base}/events`, { headers: { cookie } });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const waitFor = async (pattern: RegExp) => {
      let buf = '';
      while (!pattern.test(buf)) buf += decoder.decode((await reader.read()).value, { stream: true });
    };
    await waitFor(/event: activity/);
    const lat: number[] = [];
    const states = ['thinking', 'speaking', 'listening'] as const;
    for (let i = 0; i < 120; i++) {
      const state = states[i % 3]!;
      const t0 = performance.now();
      activity.set(state);
      await waitFor(new RegExp(`"led":"${state}"`));
      lat.push(performance.now() - t0);
      await sleep(20);
    }
    await reader.cancel();
    printMetric({ metric: 'console_event_latency_ms_p95', value: percentile(lat, 95), unit: 'ms', target: 100 });
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

/** From the "snapshot" keyword to the JPEG in hand on the live ring (as the camera bench), and whether each is the right frame. */
async function keywordToJpeg(fake: FakeOpenAI, camera: FrameSource): Promise<{ p95: number; wrong: number }> {
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
  const ms: number[] = [];
  let wrong = 0;
  for (let i = 0; i < 100; i++) {
    const start = clock.now() - 0.6 - (i % 10) * 0.1;
    last.took = undefined;
    const t0 = performance.now();
    turn.onRecognition({ type: 'keyword', word: 'snapshot', role: 'snapshot', start, end: start + 0.5, detectedAt: start + 0.6 });
    // (read after the call: TypeScript cannot see that onRecognition sets it)
    const took = last.took as { at: number; frameTime: number } | undefined;
    if (!took) throw new Error(`no snapshot for a word at ${start}`);
    ms.push(took.at - t0);
    // The first frame at or after the word's start, as with nobody watching: never an earlier or a later one.
    const frame = camera.frameAt(start)!;
    if (took.frameTime !== frame.t || frame.t < start) wrong++;
    await sleep(i % 10 === 9 ? 300 : 50);
  }
  await turn.finish();
  return { p95: percentile(ms, 95), wrong };
}

/** CPU of the console with one live viewer, and the snapshot path with 20 light viewers beside it. */
async function underLoad(): Promise<void> {
  process.env.PATH = `${FAKE_BIN}:${process.env.PATH ?? ''}`;
  const mjpeg = join(dir, 'camera.mjpeg');
  writeFileSync(mjpeg, execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=15,noise=alls=12:allf=t', '-frames:v', '45', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'mjpeg', '-'], { maxBuffer: 64 * 1024 * 1024 }));
  const camera = await createFrameSource({ ...DEFAULT_CONFIG.camera, pipelineDelayMs: 0 }, { clock, env: { ...process.env, FAKE_CAMERA_MJPEG: mjpeg } });
  if (!camera) throw new Error('no camera');
  await camera.start();
  const fake = await startFakeOpenAI();
  const { server, base, cookie } = await consoleOn(camera, new HistoryStore(join(dir, 'load-state'), DEFAULT_CONFIG.console.history, { onError: () => undefined }));
  try {
    await sleep(3500); // a full ring
    const idle = await cpuPercent(15_000);
    const stopOne = await viewers(base, cookie, 1);
    const watched = await cpuPercent(15_000);
    stopOne();
    printMetric({ metric: 'console_cpu_percent', value: Math.max(0, watched - idle), unit: '%', target: 5 });
    await sleep(500);
    const alone = await keywordToJpeg(fake, camera);
    const stopMany = await viewers(base, cookie, 20);
    await sleep(1000);
    const loaded = await keywordToJpeg(fake, camera);
    stopMany();
    printMetric({ metric: 'keyword_to_jpeg_ms_p95_console_no_clients', value: alone.p95, unit: 'ms', target: 5 });
    printMetric({ metric: 'keyword_to_jpeg_ms_p95_console_20_clients', value: loaded.p95, unit: 'ms', target: 5 });
    printMetric({ metric: 'console_load_wrong_snapshot_frames', value: alone.wrong + loaded.wrong, unit: 'frames', target: 0 });
  } finally {
    await server.close();
    await camera.stop();
    await fake.close();
  }
}

export async function consoleBenchmarks(): Promise<void> {
  await pageAndEvents();
  await underLoad();
  await calibrationFitBench();
}
