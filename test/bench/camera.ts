/**
 * The capture figures of `make bench`, on the real capture path: the fake
 * rpicam-vid streams real 1280x720 MJPEG at 15 fps (stamping each frame's
 * capture time on CLOCK_MONOTONIC) into ProcessFrameSource, the fake arecord
 * plays synthesised questions in real time into ArecordSource, PocketSphinx
 * finds "snapshot", and the turn logic keeps the frame. The naive way (spawn
 * libcamera-still at the keyword, through node-libcamera) runs side by side.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import libcamera from 'node-libcamera';
import { createAssistantSide } from '../../src/app/thread-manager-factory';
import { ArecordSource } from '../../src/audio/arecord-source';
import { v4l2FfmpegArgs } from '../../src/camera/camera-args';
import { createFrameSource } from '../../src/camera/create-frame-source';
import type { FrameSource } from '../../src/camera/frame';
import { sharpestWithin } from '../../src/camera/frame-selection';
import { jpegSharpness } from '../../src/camera/jpeg-sharpness';
import { ProcessFrameSource } from '../../src/camera/process-frame-source';
import { FrameRingBuffer } from '../../src/camera/ring-buffer';
import { MonotonicClock } from '../../src/clock';
import { DEFAULT_CONFIG, spokenCommands } from '../../src/config/config';
import { LogIndicator } from '../../src/indicator/indicator';
import { createLogger } from '../../src/log';
import { CommandRoles } from '../../src/recognition/command-roles';
import { commandRules } from '../../src/recognition/command-words';
import { PocketSphinxRecogniser } from '../../src/recognition/pocketsphinx-recogniser';
import type { Speaker } from '../../src/speech/speaker';
import { TurnLogic } from '../../src/turn/turn-logic';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { FAKE_BIN } from '../support/fake-bin';
import { synthesise, type SpeechEngine } from '../support/speech';
import { percentile, printMetric } from './metric';

const FPS = 15;
const RING = { seconds: DEFAULT_CONFIG.camera.bufferSeconds, maxBytes: DEFAULT_CONFIG.camera.bufferMB * 1024 * 1024 };
const log = createLogger({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'snapask-bench-camera-'));
const clock = new MonotonicClock();
const silent: Speaker = { speak: async (s) => { let n = 0; for await (const _ of s) n++; return { sentences: n }; } };

/**
 * Each clip: questions with "snapshot" said on its own, as the README asks, by
 * one voice. The word times are the ground truth.
 */
const CORPUS: Array<{ engine: SpeechEngine; voice: string }> = [
  { engine: 'flite', voice: 'kal' },
  { engine: 'flite', voice: 'slt' },
  { engine: 'espeak-ng', voice: 'en-us' },
];
const QUESTION = [
  { silence: 0.6 }, { text: 'what is this' }, { silence: 0.25 }, { text: 'snapshot' }, { silence: 0.6 },
  { text: 'and this one here' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.6 },
  { text: 'look at the label' }, { silence: 0.35 }, { text: 'snapshot' }, { silence: 0.6 },
  { text: 'snapshot' }, { silence: 0.8 },
];

function turnLogic(fake: FakeOpenAI, frames: FrameSource, emit: (e: TurnEvent) => void): TurnLogic {
  const config = structuredClone(DEFAULT_CONFIG);
  config.openai.baseURL = fake.url;
  config.stateDir = mkdtempSync(join(dir, 'state-'));
  const indicator = new LogIndicator(log);
  const side = createAssistantSide(config, {}, log, { speaker: silent, indicator, emit });
  return new TurnLogic({ commands: config.commands, frames, ...side, indicator, log, emit });
}

/**
 * 1280x720 frames of a camera's size: ffmpeg's moving test pattern with sensor
 * noise, about 160 KB each (what rpicam-vid's MJPEG at quality 85 gives for a
 * lit room is of that order); a clean test pattern compresses to a fifth of it.
 */
function cameraLikeFrames(): Buffer {
  return execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${FPS},noise=alls=12:allf=t`,
    '-frames:v', '45', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'mjpeg', '-',
  ], { maxBuffer: 64 * 1024 * 1024 });
}

/** Which frame the fake camera wrote when: index -> CLOCK_MONOTONIC seconds. */
function cameraLog(path: string): Map<number, number> {
  return new Map(readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]));
}

export async function cameraBenchmarks(): Promise<void> {
  process.env.PATH = `${FAKE_BIN}:${process.env.PATH ?? ''}`;
  const mjpeg = join(dir, 'camera.mjpeg');
  writeFileSync(mjpeg, cameraLikeFrames());
  // The service's own camera, as configured by default (rpicam, its sensor timestamps through a FIFO), but no
  // pipeline delay: the fake's stamp is taken as it writes.
  const camLog = join(dir, 'camera.log');
  const config = { ...DEFAULT_CONFIG.camera, pipelineDelayMs: 0 };
  const camera = await createFrameSource(config, { clock, env: { ...process.env, FAKE_CAMERA_MJPEG: mjpeg, FAKE_CAMERA_LOG: camLog } });
  if (!(camera instanceof ProcessFrameSource)) throw new Error('the default camera is not a streaming one');
  // A USB webcam alongside, timed by arrival alone (the fallback for a camera that reports no frame times).
  const webcamLog = join(dir, 'webcam.log');
  const device = join(dir, 'video0');
  writeFileSync(device, '');
  const webcam = new ProcessFrameSource({
    command: 'ffmpeg', args: v4l2FfmpegArgs({ ...config, device }), fps: FPS, clock, ring: RING, pipelineDelay: 0,
    env: { ...process.env, PATH: `${join(FAKE_BIN, '..', 'bin-v4l2')}:${process.env.PATH}`, FAKE_CAMERA_MJPEG: mjpeg, FAKE_CAMERA_LOG: webcamLog },
  });
  const fake = await startFakeOpenAI();
  try {
    await camera.start();
    await captureCost(camera);
    await keywordToJpeg(fake, camera);
    await webcam.start();
    await frameOffsets(fake, { frames: camera, log: camLog }, { frames: webcam, log: webcamLog }, mjpeg);
  } finally {
    await camera.stop();
    await webcam.stop();
    await fake.close();
  }
}

/** CPU of this process (splitter, timing, ring buffer) while the camera streams, and the ring's memory. */
async function captureCost(camera: ProcessFrameSource): Promise<void> {
  await sleep((RING.seconds + 0.5) * 1000); // a full ring: eviction is part of the cost
  let maxBytes = 0;
  const sampler = setInterval(() => (maxBytes = Math.max(maxBytes, camera.bufferedBytes)), 50);
  const before = process.cpuUsage();
  const t0 = performance.now();
  const frames0 = camera.splitter.dropped;
  await sleep(10_000);
  const used = process.cpuUsage(before);
  const wall = performance.now() - t0;
  clearInterval(sampler);
  printMetric({ metric: 'capture_cpu_percent', value: ((used.user + used.system) / 1000 / wall) * 100, unit: '%', target: 5 });
  printMetric({ metric: 'ring_buffer_mb', value: maxBytes / 1024 / 1024, unit: 'MB', target: RING.maxBytes / 1024 / 1024 });
  if (camera.splitter.dropped !== frames0) throw new Error(`the splitter dropped ${camera.splitter.dropped - frames0} frames`);
  // The byte bound holds when it, not the seconds, is what binds.
  const tight = new FrameRingBuffer({ seconds: 3, maxBytes: 1024 * 1024 });
  let tightMax = 0;
  for (const f of camera.framesBetween(0, Infinity)) {
    tight.push(f);
    tightMax = Math.max(tightMax, tight.byteSize);
  }
  printMetric({ metric: 'ring_buffer_mb_capped_at_1', value: tightMax / 1024 / 1024, unit: 'MB', target: 1 });
}

/** From the "snapshot" keyword event to the JPEG in hand, on the live ring; and what choosing the sharpest frame costs. */
async function keywordToJpeg(fake: FakeOpenAI, camera: ProcessFrameSource): Promise<void> {
  let tookAt = 0;
  const turn = turnLogic(fake, camera, (e) => {
    if (e.event === 'snapshot') tookAt = performance.now();
  });
  const ms: number[] = [];
  for (let i = 0; i < 200; i++) {
    const start = clock.now() - 0.6 - (i % 20) * 0.1;
    tookAt = 0;
    const t0 = performance.now();
    turn.onRecognition({ type: 'keyword', word: 'snapshot', role: 'snapshot', start, end: start + 0.5, detectedAt: start + 0.6 });
    if (!tookAt) throw new Error(`no snapshot for a word at ${start}`);
    ms.push(tookAt - t0);
    if (i % 20 === 19) await sleep(60); // let uploads drain
  }
  await turn.finish();
  printMetric({ metric: 'keyword_to_jpeg_ms_p95', value: percentile(ms, 95), unit: 'ms', target: 5 });

  // Sharpest within the word: each frame is scored (decoded at 1/8 scale) as it is buffered; a snapshot compares scores.
  const chooser = sharpestWithin(jpegSharpness);
  const ring = ringOf(camera);
  const scoring: number[] = [];
  for (const f of ring.between(0, Infinity)) {
    const t0 = performance.now();
    chooser.buffered!(f);
    scoring.push(performance.now() - t0);
  }
  const choosing: number[] = [];
  for (let i = 0; i < 200; i++) {
    const start = ring.oldest()!.t + (i % 20) * 0.1;
    const t0 = performance.now();
    chooser.choose(ring, start, start + 0.5);
    choosing.push(performance.now() - t0);
  }
  printMetric({ metric: 'sharpness_ms_per_frame_p50', value: percentile(scoring, 50), unit: 'ms' });
  printMetric({ metric: 'sharpness_cpu_percent', value: (percentile(scoring, 50) * FPS) / 10, unit: '%' });
  printMetric({ metric: 'sharpest_choice_ms_p95', value: percentile(choosing, 95), unit: 'ms', target: 5 });
}

/** The camera's frames as a ring (for a chooser called outside the source). */
function ringOf(camera: ProcessFrameSource): FrameRingBuffer {
  const r = new FrameRingBuffer({ seconds: Infinity, maxBytes: Infinity });
  for (const f of camera.framesBetween(0, Infinity)) r.push(f);
  return r;
}

interface Camera {
  frames: FrameSource;
  /** The fake's own capture-time log. */
  log: string;
}

/**
 * Real speech, real recogniser, real capture path: captured frame time (the
 * camera's own stamp) minus the spoken word's true start, for the kept frame
 * and for libcamera-still spawned at the keyword. The offset is split into its
 * two parts: the recogniser's error on the word's start, and the capture
 * path's own offset from the start it was given.
 */
async function frameOffsets(fake: FakeOpenAI, rpicam: Camera, webcam: Camera, mjpeg: string): Promise<void> {
  const offsets: number[] = [];
  const captureOffsets: number[] = [];
  const skipped: number[] = [];
  const webcamOffsets: number[] = [];
  const recogniserErrors: number[] = [];
  const naive: Array<Promise<number>> = [];
  let expected = 0;
  let naiveCount = 0;
  for (const voice of CORPUS) {
    const speech = await synthesise(QUESTION, voice);
    const wav = join(dir, `${voice.engine}-${voice.voice}.wav`);
    writeFileSync(wav, speech.wav);
    const truths = speech.words.filter((w) => w.text === 'snapshot');
    expected += truths.length;
    const micLog = join(dir, `${voice.engine}-${voice.voice}.mic`);
    process.env.FAKE_ARECORD_WAV = wav;
    process.env.FAKE_ARECORD_LOG = micLog;
    process.env.FAKE_ARECORD_EXIT_AT_END = '1';
    const kept: Array<{ start: number; index: number; webcamIndex?: number }> = [];
    let word: { start: number; end: number } | undefined;
    const turn = turnLogic(fake, rpicam.frames, (e) => {
      if (e.event === 'keyword') word = e;
      if (e.event === 'snapshot') kept.push({ start: word!.start, index: e.frame_index, webcamIndex: webcam.frames.frameAt(word!.start, word!.end)?.index });
      if (e.event === 'keyword' && e.word === 'snapshot') naive.push(naiveStill(mjpeg, ++naiveCount, truthStart(micLog, truths, e.start)));
    });
    // Roles as at the service's recogniser boundary (the reply gate left out: this bench times snapshots).
    const recogniser = new CommandRoles(new PocketSphinxRecogniser({ keywords: ['snapshot', 'reply'] }), commandRules(spokenCommands(DEFAULT_CONFIG)));
    // The recording ends the run: no reopening after the fake microphone's file is played.
    const audio = new ArecordSource({ clock, reopen: false });
    for await (const chunk of audio) for (const e of recogniser.accept(chunk)) turn.onRecognition(e);
    for (const e of recogniser.flush()) turn.onRecognition(e);
    recogniser.close();
    await turn.finish();
    const written = cameraLog(rpicam.log);
    const webcamWritten = cameraLog(webcam.log);
    for (const k of kept) {
      const truth = truthStart(micLog, truths, k.start);
      const shutter = written.get(k.index)!;
      offsets.push((shutter - truth) * 1000);
      captureOffsets.push((shutter - k.start) * 1000);
      // Did an earlier frame, also taken at or after the start, get passed over? (How far after the start the
      // kept frame's predecessor was taken; negative is right.) The fake camera's own timer is late now and then
      // on a loaded machine, so the gap before a frame can be longer than an interval.
      skipped.push((written.get(k.index - 1)! - k.start) * 1000);
      recogniserErrors.push((k.start - truth) * 1000);
      if (k.webcamIndex !== undefined) webcamOffsets.push((webcamWritten.get(k.webcamIndex)! - k.start) * 1000);
    }
  }
  const interval = Math.round(1000 / FPS);
  printMetric({ metric: 'frame_offset_ms_min', value: Math.min(...offsets), unit: 'ms', target: 0, better: 'higher' });
  printMetric({ metric: 'frame_offset_ms_max', value: Math.max(...offsets), unit: 'ms', target: interval });
  printMetric({ metric: 'frame_offset_keywords_found', value: offsets.length, unit: 'count', target: expected, better: 'higher' });
  // The two parts of that offset: where the recogniser put the word's start, and which frame the capture path kept for it.
  printMetric({ metric: 'recogniser_start_error_ms_min', value: Math.min(...recogniserErrors), unit: 'ms' });
  printMetric({ metric: 'recogniser_start_error_ms_max', value: Math.max(...recogniserErrors), unit: 'ms' });
  printMetric({ metric: 'capture_offset_ms_min', value: Math.min(...captureOffsets), unit: 'ms', target: 0, better: 'higher' });
  printMetric({ metric: 'capture_offset_ms_max', value: Math.max(...captureOffsets), unit: 'ms', target: interval });
  printMetric({ metric: 'capture_previous_frame_offset_ms_max', value: Math.max(...skipped), unit: 'ms', target: 0 });
  printMetric({ metric: 'arrival_only_capture_offset_ms_min', value: Math.min(...webcamOffsets), unit: 'ms', target: 0, better: 'higher' });
  printMetric({ metric: 'arrival_only_capture_offset_ms_max', value: Math.max(...webcamOffsets), unit: 'ms', target: interval });
  const naiveMs = await Promise.all(naive);
  printMetric({ metric: 'naive_frame_offset_ms', value: percentile(naiveMs, 50), unit: 'ms' });
  printMetric({ metric: 'naive_vs_kept_offset_ratio', value: percentile(naiveMs, 50) / Math.max(1, percentile(offsets, 50)), unit: 'x' });
}

/** The true start (CLOCK_MONOTONIC) of the spoken "snapshot" nearest a recognised start. */
function truthStart(micLog: string, truths: Array<{ start: number }>, recognised: number): number {
  const micStart = Number(readFileSync(micLog, 'utf8').trim());
  const starts = truths.map((w) => micStart + w.start);
  return starts.reduce((best, s) => (Math.abs(s - recognised) < Math.abs(best - recognised) ? s : best));
}

/**
 * The naive way: at the keyword, run libcamera-still through node-libcamera's
 * runner with its defaults. The fake waits the documented preview timeout
 * (5000 ms when -t is not given) before it captures, as the real one does.
 */
async function naiveStill(mjpeg: string, n: number, wordStart: number): Promise<number> {
  const stillLog = join(dir, `naive-${n}.log`);
  process.env.FAKE_CAMERA_MJPEG = mjpeg;
  process.env.FAKE_CAMERA_LOG = stillLog;
  await libcamera.still({ output: join(dir, `naive-${n}.jpg`) });
  const shutter = Number(readFileSync(stillLog, 'utf8').trim().split(' ')[1]);
  return (shutter - wordStart) * 1000;
}
