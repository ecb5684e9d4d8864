/**
 * The thread manager's figures: reply to request, capture to upload start,
 * bytes per snapshot by detail level, and a kill -9 soak. Everything runs the
 * project's own code against the HTTP test double on loopback; the spool lives
 * on the real disk (build/), so its fsyncs are real.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createAssistantSide } from '../../src/app/thread-manager-factory';
import { UploadQueue } from '../../src/assistant/upload-queue';
import { FrameRingBuffer } from '../../src/camera/ring-buffer';
import { type Config, DEFAULT_CONFIG } from '../../src/config/config';
import { LogIndicator } from '../../src/indicator/indicator';
import { createLogger } from '../../src/log';
import type { Speaker } from '../../src/speech/speaker';
import { TurnLogic } from '../../src/turn/turn-logic';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { fakeEnv, REPO_ROOT } from '../support/fake-bin';
import { onJsonLines } from '../support/json-lines';
import { percentile, printMetric } from './metric';

const WORK = resolve(REPO_ROOT, 'build/bench');
const hrSeconds = () => Number(process.hrtime.bigint()) / 1e9;

/** A still from ffmpeg's busy test pattern at best MJPEG quality, the way rpicam-vid's MJPEG looks in bytes. */
function snapshotJpeg(size: string): Buffer {
  return execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=1`, '-frames:v', '1', '-c:v', 'mjpeg', '-q:v', '2', '-f', 'mjpeg', '-'], { maxBuffer: 64 << 20 });
}

function benchConfig(fake: FakeOpenAI, api: Config['api']): Config {
  mkdirSync(WORK, { recursive: true });
  const config = structuredClone(DEFAULT_CONFIG);
  config.api = api;
  config.openai.baseURL = fake.url;
  config.stateDir = mkdtempSync(join(WORK, 'state-'));
  return config;
}

const silent: Speaker = {
  async speak(s) {
    let n = 0;
    for await (const _ of s) n++;
    return { sentences: n };
  },
};

/**
 * From the "reply" event (its transcript already in) to the first byte of the
 * question's request at the server, uploads done; and from a snapshot in hand
 * to its upload's request at the server.
 */
async function replyAndCapture(api: Config['api'], frameSize: string, rounds: number): Promise<{ replyMs: number[]; captureMs: number[] }> {
  const fake = await startFakeOpenAI();
  try {
    const config = benchConfig(fake, api);
    const log = createLogger({ level: 'silent' });
    const indicator = new LogIndicator(log);
    const events: TurnEvent[] = [];
    let snapshotAt = 0;
    const captureMs: number[] = [];
    const emit = (e: TurnEvent) => {
      events.push(e);
      if (e.event === 'snapshot') snapshotAt = hrSeconds();
    };
    const side = createAssistantSide(config, {}, log, { speaker: silent, indicator, emit, env: fakeEnv() });
    const jpeg = snapshotJpeg(frameSize);
    const ring = new FrameRingBuffer({ seconds: 3, maxBytes: 64 << 20 });
    for (let i = 0; i < 45; i++) ring.push({ jpeg, t: i / 15, index: i });
    const turn = new TurnLogic({
      commands: config.commands,
      frames: { start: async () => undefined, stop: async () => undefined, frameAt: (t) => ring.firstAtOrAfter(t % 2.9) },
      ...side,
      indicator,
      log,
      emit,
    });
    const wait = async (pred: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`bench: no ${what} after 20 s; events: ${events.map((e) => e.event).slice(-8).join(',')}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const replyMs: number[] = [];
    let t = 0;
    for (let i = 0; i <= rounds; i++) {
      const words = `question ${i} what is this`.split(' ').map((word, j) => ({ word, start: t + j * 0.3, end: t + j * 0.3 + 0.25 }));
      turn.onRecognition({ type: 'transcript', text: '', words, start: t, end: t + 2 });
      const uploadsBefore = fake.requests.filter((r) => r.operation === 'POST /files').length;
      const uploaded = events.filter((e) => e.event === 'upload').length;
      turn.onRecognition({ type: 'keyword', word: 'snapshot', role: 'snapshot', start: t + 1.6, end: t + 1.9, detectedAt: t + 2 });
      await wait(() => fake.requests.filter((r) => r.operation === 'POST /files').length > uploadsBefore, 'upload request');
      const upload = fake.requests.filter((r) => r.operation === 'POST /files')[uploadsBefore]!;
      await wait(() => events.filter((e) => e.event === 'upload').length > uploaded, 'upload');
      const asked = fake.requests.length;
      const replies = events.filter((e) => e.event === 'reply').length;
      const t0 = hrSeconds();
      turn.onRecognition({ type: 'keyword', word: 'reply', role: 'reply', start: t + 2, end: t + 2.4, detectedAt: t + 2.6 });
      await wait(() => events.filter((e) => e.event === 'reply').length > replies, 'answer');
      const request = fake.requests.slice(asked).find((r) => r.operation === 'POST /responses' || r.operation === 'POST /threads/{thread_id}/messages')!;
      // Round 0 opens the conversation: a one-off, not a turn's cost.
      if (i > 0) {
        replyMs.push((request.receivedAt - t0) * 1000);
        captureMs.push((upload.receivedAt - snapshotAt) * 1000);
      }
      t += 3;
    }
    await side.sender.stop();
    if (fake.violations.length) throw new Error(`test double saw spec violations: ${fake.violations[0]}`);
    return { replyMs, captureMs };
  } finally {
    await fake.close();
  }
}

/** Bytes that go over the wire for one 1920x1080 snapshot at each detail level, through the real upload queue. */
async function uploadBytes(): Promise<void> {
  const fake = await startFakeOpenAI();
  try {
    const big = snapshotJpeg('1920x1080');
    const log = createLogger({ level: 'silent' });
    const config = benchConfig(fake, 'responses');
    const threads = createAssistantSide(config, {}, log, { speaker: silent, indicator: new LogIndicator(log), emit: () => undefined }).threads;
    const sizes: Record<string, number> = {};
    for (const [name, detail] of [['high', 'high'], ['low', 'low'], ['unprepared', 'original']] as const) {
      const queue = new UploadQueue({ threads, detail, concurrency: 1, budgetMs: 10_000, backoffMs: 100, log, env: fakeEnv() });
      const u = await queue.upload(big, `${name}.jpg`);
      sizes[name] = fake.files.get(u.fileId)!.bytes.length;
    }
    printMetric({ metric: 'upload_bytes_high', value: sizes.high!, unit: 'bytes', target: sizes.unprepared! });
    printMetric({ metric: 'upload_bytes_low', value: sizes.low!, unit: 'bytes', target: sizes.high! });
    printMetric({ metric: 'upload_bytes_unprepared', value: sizes.unprepared!, unit: 'bytes' });
  } finally {
    await fake.close();
  }
}

/**
 * 200 turns through the killable turn driver, killed (SIGKILL) at random
 * moments and started again on the same spool, as a power cut would.
 */
export async function soak(turns: number, api: Config['api'] = 'responses'): Promise<void> {
  const fake = await startFakeOpenAI();
  try {
    mkdirSync(WORK, { recursive: true });
    const state = mkdtempSync(join(WORK, 'soak-'));
    const jpeg = join(state, '..', `soak-${process.pid}.jpg`);
    writeFileSync(jpeg, snapshotJpeg('640x480'));
    const driver = resolve(__dirname, '../support/turn-driver.js');
    // Each question as the device took it (its `queued` text), and how often the server stored each text.
    const queued = new Set<string>();
    let next = 0;
    let kills = 0;
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    while (next < turns || kills === 0) {
      const from = next;
      const killAfter = random() * 120;
      await new Promise<void>((done) => {
        // A question the device had not taken when it died is asked again, in other words ("take N").
        const args = [driver, '--api-base', fake.url, '--api', api, '--state', state, '--jpeg', jpeg, '--from', String(from), '--to', String(turns), '--gap-ms', '40', '--take', String(kills)];
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
        onJsonLines<{ event: string; text?: string }>(child.stdout, (e) => {
          if (e.event === 'keyword') arm();
          if (e.event !== 'queued' || !e.text) return;
          queued.add(e.text);
          for (const m of e.text.matchAll(/question number (\d+)/g)) next = Math.max(next, Number(m[1]) + 1);
        });
        // The clock starts when the child asks its first new question: a kill during Node's start-up
        // would test nothing, and one before any new question could stall the soak.
        let timer: NodeJS.Timeout | undefined;
        const arm = () => {
          timer ??= setTimeout(() => {
            kills++;
            child.kill('SIGKILL');
          }, killAfter);
        };
        child.on('close', () => {
          clearTimeout(timer);
          done();
        });
      });
    }
    // A last start with nothing new to ask: whatever the spool still holds goes now.
    await new Promise<void>((done) => spawn(process.execPath, [driver, '--api-base', fake.url, '--api', api, '--state', state, '--jpeg', jpeg, '--from', '0', '--to', '0'], { stdio: 'ignore' }).on('close', () => done()));
    const stored = new Map<string, number>();
    for (const q of fake.questions) stored.set(q, (stored.get(q) ?? 0) + 1);
    const lost = [...queued].filter((q) => !stored.has(q)).length;
    const twice = [...stored.values()].filter((n) => n > 1).length;
    const suffix = api === 'responses' ? '' : '_assistants';
    printMetric({ metric: `soak_questions_lost${suffix}`, value: lost, unit: 'questions', target: 0 });
    printMetric({ metric: `soak_questions_sent_twice${suffix}`, value: twice, unit: 'questions', target: 0 });
    printMetric({ metric: `soak_kills${suffix}`, value: kills, unit: 'kills' });
    // Question numbers the device took (a question restored after a kill may share its message with the next).
    const numbers = new Set([...queued].flatMap((q) => [...q.matchAll(/question number (\d+)/g)].map((m) => Number(m[1]))));
    printMetric({ metric: `soak_questions_queued${suffix}`, value: numbers.size, unit: 'questions', target: turns, better: 'higher' });
    if (fake.violations.length) throw new Error(`test double saw spec violations: ${fake.violations[0]}`);
  } finally {
    await fake.close();
  }
}

export async function assistantBenchmarks(): Promise<void> {
  for (const api of ['responses', 'assistants'] as const) {
    // 1280x720 at detail high: already within what the model uses, so sent as taken.
    const { replyMs, captureMs } = await replyAndCapture(api, '1280x720', 60);
    const suffix = api === 'responses' ? '' : '_assistants';
    printMetric({ metric: `reply_to_request_ms_p95${suffix}`, value: percentile(replyMs, 95), unit: 'ms', target: 50 });
    printMetric({ metric: `capture_to_upload_start_ms_p95${suffix}`, value: percentile(captureMs, 95), unit: 'ms', target: 20 });
  }
  // A 1920x1080 frame at detail high is resized first (ffmpeg): that time is part of the figure.
  const resized = await replyAndCapture('responses', '1920x1080', 30);
  // Reported without a target: the default camera (1280x720) needs no resizing at any detail but low.
  printMetric({ metric: 'capture_to_upload_start_ms_p95_1080p_resized', value: percentile(resized.captureMs, 95), unit: 'ms' });
  await uploadBytes();
  await soak(200, 'responses');
  await soak(200, 'assistants');
}
