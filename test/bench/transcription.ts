import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeFlac } from '../../src/audio/flac';
import { parseWav } from '../../src/audio/wav';
import type { PieceMarks } from '../../src/recognition/cloud-transcriber';
import { loadConfig, spokenCommands } from '../../src/config/config';
import { commandRules } from '../../src/recognition/command-words';
import { createRecogniser } from '../../src/recognition/create-recogniser';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { askWithCloud, kw, OP } from '../support/cloud-question';
import { locateSent } from '../support/sent-audio';
import type { TurnEvent } from '../../src/turn/turn-events';
import { coreSecondsPerAudioSecond, percentile, printMetric } from './metric';
import { offlineWerBench } from './offline-wer';

/** Questions of the bench: deterministic, varied phrase lengths and pauses, each after some room talk and a long pause. */
const QUESTIONS = 6;

interface Layout {
  room: Array<[number, number]>;
  phrases: Array<[number, number]>;
  snapshot?: [number, number];
  reply: [number, number];
  seconds: number;
}

/**
 * `shortPause`: the pause before "reply" a person makes without thinking of it (0.2 to 0.5 s) instead of the
 * 0.7 to 1.2 s the bench's questions have (0.4 to 0.9 s, then "reply" 0.3 s into a 0.5 s stretch of quiet).
 */
function layout(i: number, withSnapshot: boolean, shortPause = false): Layout {
  let seed = 7 + i * 7919;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  // The room talks for 2 s, then 5 s of quiet (longer than question.maxPauseSeconds): that talk is no question.
  const room: Array<[number, number]> = [[0.5, 2.5]];
  let t = 7.5;
  const phrases: Array<[number, number]> = [];
  let snapshot: [number, number] | undefined;
  const n = 3 + Math.floor(rand() * 3);
  for (let p = 0; p < n; p++) {
    const len = 0.8 + rand() * 1.4;
    phrases.push([t, t + len]);
    t += len + 0.4 + rand() * 0.5;
    if (withSnapshot && p === 0) {
      snapshot = [t, t + 0.45];
      t += 0.45 + 0.5;
    }
  }
  // The last phrase's pause drawn above runs into "reply"; a short one is drawn anew (the same draws before it).
  const lastEnd = phrases.at(-1)![1];
  const reply: [number, number] = shortPause ? [lastEnd + 0.2 + rand() * 0.3, 0] : [t + 0.3, t + 0.7];
  if (shortPause) reply[1] = reply[0] + 0.4;
  return { room, phrases, ...(snapshot ? { snapshot } : {}), reply, seconds: reply[1] + 1.5 };
}

/** Where the time between the question's last word and "reply" went, for the last piece before "reply" (medians). */
interface LastPiece {
  pauseWaitedS: number[];
  encodeMs: number[];
  spoolMs: number[];
  requestMs: number[];
  answeredBeforeReplyMs: number[];
}

async function run(fake: FakeOpenAI, latencyMs: number, withSnapshot: boolean, shortPause = false) {
  fake.latencyMs[OP] = latencyMs;
  const replyToRequest: number[] = [];
  const last: LastPiece = { pauseWaitedS: [], encodeMs: [], spoolMs: [], requestMs: [], answeredBeforeReplyMs: [] };
  let ready = 0;
  let outside = 0;
  // One conversation for all the questions, as on the device (its first request is not each question's).
  const stateDir = mkdtempSync(join(tmpdir(), 'snapask-bench-transcription-'));
  // The first question opens the conversation (a request more): a warm-up, not counted.
  for (let i = -1; i < QUESTIONS; i++) {
    const l = layout(i + 1, withSnapshot, shortPause);
    const speech = [...l.room, ...l.phrases, ...(l.snapshot ? [l.snapshot] : []), l.reply];
    const words = [...(l.snapshot ? [kw('snapshot', ...l.snapshot)] : []), kw('reply', ...l.reply)];
    const marks: PieceMarks[] = [];
    const { out, fedAt, sent, source } = await askWithCloud(fake, speech, words, l.seconds, { realTime: true, stateDir, onPiece: (m) => marks.push(m) });
    if (i < 0) continue;
    const lastWord = l.phrases.at(-1)![1];
    const m = marks.filter((p) => p.end <= l.reply[0]).sort((a, b) => a.end - b.end).at(-1);
    if (m && m.end > lastWord) {
      last.pauseWaitedS.push(m.heardTo - lastWord);
      last.encodeMs.push((m.encoded - m.cut) * 1000);
      last.spoolMs.push((m.spooled - m.encoded) * 1000);
      last.requestMs.push((m.answered - m.spooled) * 1000);
      last.answeredBeforeReplyMs.push((fedAt[`reply@${l.reply[0]}`]! - m.answered) * 1000);
    }
    const timings = out.find((e): e is Extract<TurnEvent, { event: 'timings' }> => e.event === 'timings');
    if (timings?.reply_to_request_ms !== undefined) replyToRequest.push(timings.reply_to_request_ms);
    const replyAt = fedAt[`reply@${l.reply[0]}`]!;
    if (sent().every((t) => t.answeredAt <= replyAt)) ready++;
    // Seconds sent that belong to the room's talk (before the question's first word).
    for (const s of locateSent(source, sent())) outside += Math.max(0, Math.min(s.end, l.phrases[0]![0] - 0.2) - s.start);
  }
  delete fake.latencyMs[OP];
  return { replyToRequest, ready: ready / QUESTIONS, outside, last };
}

/** The account of the last piece before "reply": how long a pause was waited for, then each step's time. */
function printLastPiece(last: LastPiece, suffix: string): void {
  const median = (v: number[]) => percentile(v, 50);
  printMetric({ metric: `transcription_last_piece_pause_waited_s${suffix}`, value: median(last.pauseWaitedS), unit: 's' });
  printMetric({ metric: `transcription_last_piece_encode_ms${suffix}`, value: median(last.encodeMs), unit: 'ms' });
  printMetric({ metric: `transcription_last_piece_spool_ms${suffix}`, value: median(last.spoolMs), unit: 'ms' });
  printMetric({ metric: `transcription_last_piece_request_ms${suffix}`, value: median(last.requestMs), unit: 'ms' });
  printMetric({ metric: `transcription_last_piece_answered_before_reply_ms_min${suffix}`, value: Math.min(...last.answeredBeforeReplyMs), unit: 'ms' });
}

/**
 * Encoding a 3 s piece of the demo question as FLAC: in process (the way now) against starting ffmpeg for it (the
 * way before), the 95th percentile of 20 each.
 */
function encodeCost(): void {
  const pcm = parseWav(readFileSync(join(resolve(__dirname, '../../../test/fixtures/demo'), 'question.wav'))).pcm.subarray(0, 3 * 32000);
  const time = (f: () => void) => {
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = process.hrtime.bigint();
      f();
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return ms;
  };
  // The first pieces of the service's life run before the JIT has compiled the encoder: counted in p95.
  const inProcess = time(() => encodeFlac(pcm));
  const ffmpegArgs = ['-hide_banner', '-loglevel', 'error', '-f', 's16le', '-ar', '16000', '-ac', '1', '-i', 'pipe:0', '-f', 'flac', 'pipe:1'];
  const ffmpeg = time(() => spawnSync('ffmpeg', ffmpegArgs, { input: pcm }));
  printMetric({ metric: 'flac_encode_ms_p50_3s_piece_in_process', value: percentile(inProcess, 50), unit: 'ms' });
  printMetric({ metric: 'flac_encode_ms_p95_3s_piece_in_process', value: percentile(inProcess, 95), unit: 'ms' });
  printMetric({ metric: 'flac_encode_ms_p50_3s_piece_ffmpeg', value: percentile(ffmpeg, 50), unit: 'ms' });
  printMetric({ metric: 'flac_encode_ms_p95_3s_piece_ffmpeg', value: percentile(ffmpeg, 95), unit: 'ms' });
}

/**
 * The recogniser's CPU per second of audio on the demo question, offline mode (PocketSphinx's keyword spotter and
 * its language model for the transcript) against cloud mode (the keyword spotter alone), the whole stack
 * (cleaner, reply gate, roles) in both; the median of a few rounds on one warm recogniser.
 */
function recognitionCost(): void {
  const pcm = parseWav(readFileSync(join(resolve(__dirname, '../../../test/fixtures/demo'), 'question.wav'))).pcm;
  const { config } = loadConfig(undefined, {});
  const c = { ...config.recogniser, engine: 'pocketsphinx' as const };
  const rules = commandRules(spokenCommands(config), c);
  const cost = (transcribe: boolean): number => coreSecondsPerAudioSecond(createRecogniser(c, rules, { transcribe }), pcm, 5);
  printMetric({ metric: 'recognition_core_s_per_audio_s_offline_mode', value: cost(true), unit: 's/s', engine: 'pocketsphinx' });
  printMetric({ metric: 'recognition_core_s_per_audio_s_cloud_mode', value: cost(false), unit: 's/s', engine: 'pocketsphinx' });
}

/** `make bench ONLY=transcription`: the cloud transcription of questions played in real time against the double. */
export async function transcriptionBench(): Promise<void> {
  recognitionCost();
  await offlineWerBench();
  encodeCost();
  const fake = await startFakeOpenAI();
  try {
    let outside = 0;
    const at600 = await run(fake, 600, true);
    outside += at600.outside;
    printMetric({ metric: 'reply_to_request_ms_p95_cloud_transcription', value: percentile(at600.replyToRequest, 95), unit: 'ms', target: 150 });
    printMetric({ metric: 'transcript_ready_at_reply_ratio', value: at600.ready, unit: 'ratio', target: 0.95, better: 'higher' });
    printLastPiece(at600.last, '');
    // A natural short pause before "reply" (0.2 to 0.5 s): the last piece has that pause and the reply gate's wait.
    const short = await run(fake, 600, true, true);
    outside += short.outside;
    printMetric({ metric: 'reply_to_request_ms_p95_cloud_transcription_short_pause', value: percentile(short.replyToRequest, 95), unit: 'ms' });
    printMetric({ metric: 'transcript_ready_at_reply_ratio_short_pause', value: short.ready, unit: 'ratio' });
    printLastPiece(short.last, '_short_pause');
    const at1500 = await run(fake, 1500, true);
    outside += at1500.outside;
    // Reported (the target is at 600 ms): a 1.5 s request outlasts the pause before "reply" and its
    // recognition (0.9 to 1.6 s after the last word here), so the last piece is still in flight at "reply".
    printMetric({ metric: 'reply_to_request_ms_p95_cloud_transcription_1500ms', value: percentile(at1500.replyToRequest, 95), unit: 'ms' });
    printMetric({ metric: 'transcript_ready_at_reply_ratio_1500ms', value: at1500.ready, unit: 'ratio' });
    printLastPiece(at1500.last, '_1500ms');
    // Without a snapshot the whole question goes at "reply": at least one transcription's time (the old way for every question).
    const plain = await run(fake, 600, false);
    outside += plain.outside;
    printMetric({ metric: 'reply_to_request_ms_p95_cloud_transcription_no_snapshot', value: percentile(plain.replyToRequest, 95), unit: 'ms' });
    printMetric({ metric: 'audio_sent_outside_questions_s', value: outside, unit: 's', target: 0 });
    if (fake.violations.length) throw new Error(`the double saw requests that break the API description: ${fake.violations[0]}`);
  } finally {
    await fake.close();
  }
}
