/**
 * Keyword figures (`make bench`): the real recogniser path (engine + command
 * rules, as the service builds it) on the generated corpus of
 * keywords-corpus.ts. PocketSphinx always; Vosk too when VOSK_MODEL names a
 * model directory. One JSON line per figure; per-voice detail on stderr.
 *
 * Matching: an event matches a spoken command word of the same word when it
 * starts between 0.3 s before the word's true start and the word's true end;
 * each spoken word is matched once. Delay is detectedAt minus the true end of
 * the word. The frame distance is how far the first 15 fps frame at or after
 * the event's start lies from the word's true start.
 */
import { setPriority } from 'node:os';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseWav } from '../../src/audio/wav';
import { PlaybackReference } from '../../src/audio/playback-reference';
import { RNNOISE_FRAME_16K, RnnoiseSuppressor } from '../../src/audio/rnnoise-suppressor';
import { CleanedRecogniser, type CleaningOptions } from '../../src/recognition/cleaned-recogniser';
import { createRecogniser } from '../../src/recognition/create-recogniser';
import type { Config } from '../../src/config/config';
import { PocketSphinxRecogniser } from '../../src/recognition/pocketsphinx-recogniser';
import type { KeywordEvent } from '../../src/recognition/recogniser';
import { keywordsIn, RULES } from '../support/recognise';
import {
  falseAlarmPassages,
  falseAlarmsIn,
  librivox,
  matchEvents,
  pinkNoise,
  questionStream,
  RATES,
  spansOf,
  VOICES,
  withNoise,
  type FalseAlarmStream,
  type Occurrence,
  type Stream,
} from './keywords-corpus';
import { coreSecondsPerAudioSecond, percentile, printMetric } from './metric';

const CONDITIONS: Array<{ name: string; snr?: number }> = [{ name: 'clean' }, { name: 'snr20', snr: 20 }, { name: 'snr10', snr: 10 }, { name: 'snr5', snr: 5 }];
/** Conditions with a recall target (the others are reported). */
const TARGET_CONDITIONS = new Set(['clean', 'snr10']);
const FPS = 15;
const FALSE_ALARM_MINUTES = 30;
const FALSE_ALARM_CONDITIONS = CONDITIONS.filter((c) => c.name !== 'snr5');

interface EngineUnderTest {
  name: string;
  config: Config['recogniser'];
}

function recognise(engine: EngineUnderTest, pcm: Buffer): { events: KeywordEvent[]; cpu: number } {
  const rec = createRecogniser(engine.config, RULES, { transcribe: false });
  const c0 = process.cpuUsage();
  const events = keywordsIn(rec, pcm);
  const c = process.cpuUsage(c0);
  return { events, cpu: (c.user + c.system) / 1e6 };
}

interface Score {
  said: Record<string, number>;
  found: Record<string, number>;
  delayMs: Record<string, number[]>;
  frameOffsetMs: number[];
  extra: KeywordEvent[];
}

function emptyScore(): Score {
  return { said: {}, found: {}, delayMs: {}, frameOffsetMs: [], extra: [] };
}

function score(into: Score, truth: Occurrence[], events: KeywordEvent[]): void {
  const { pairs, extra } = matchEvents(truth, events);
  for (const { said: t, heard: e } of pairs) {
    into.said[t.word] = (into.said[t.word] ?? 0) + 1;
    if (!e) continue;
    into.found[t.word] = (into.found[t.word] ?? 0) + 1;
    (into.delayMs[t.word] ??= []).push((e.detectedAt - t.end) * 1000);
    if (t.word === 'snapshot') into.frameOffsetMs.push(Math.abs(Math.ceil(e.start * FPS - 1e-9) / FPS - t.start) * 1000);
  }
  into.extra.push(...extra);
}

const recall = (s: Score, w: string) => (s.found[w] ?? 0) / Math.max(1, s.said[w] ?? 0);

async function questionFigures(engine: EngineUnderTest): Promise<void> {
  const noise = pinkNoise();
  const streams: Stream[] = [];
  let i = 0;
  for (const voice of VOICES) for (const rate of RATES) streams.push(await questionStream(voice, rate, i++));
  const timing = emptyScore();
  for (const cond of CONDITIONS) {
    const byGroup = { target: emptyScore(), espeak: emptyScore() };
    for (const [n, s] of streams.entries()) {
      const pcm = cond.snr === undefined ? s.pcm : withNoise(s, noise, cond.snr, n * 3.7);
      const { events } = recognise(engine, pcm);
      const one = emptyScore();
      score(one, s.truth, events);
      score(byGroup[s.voice.group], s.truth, events);
      if (s.voice.group === 'target' && TARGET_CONDITIONS.has(cond.name)) score(timing, s.truth, events);
      process.stderr.write(
        `  ${engine.name} ${cond.name} ${s.voice.engine}/${s.voice.voice} x${s.rate}: snapshot ${one.found.snapshot ?? 0}/${one.said.snapshot}, reply ${one.found.reply ?? 0}/${one.said.reply}` +
          `${one.extra.length ? `, extra ${one.extra.map((e) => `${e.word}@${e.start.toFixed(2)}`).join(' ')}` : ''}\n`,
      );
    }
    for (const word of ['snapshot', 'reply']) {
      const target = TARGET_CONDITIONS.has(cond.name) ? 0.97 : undefined;
      printMetric({ metric: `kws_${word}_recall_${cond.name}`, value: recall(byGroup.target, word), unit: 'ratio', ...(target ? { target } : {}), better: 'higher', engine: engine.name });
      printMetric({ metric: `kws_${word}_recall_espeak_${cond.name}`, value: recall(byGroup.espeak, word), unit: 'ratio', engine: engine.name });
    }
    printMetric({ metric: `kws_extra_keywords_in_questions_${cond.name}`, value: byGroup.target.extra.length + byGroup.espeak.extra.length, unit: 'count', engine: engine.name });
  }
  printMetric({ metric: 'kws_snapshot_delay_ms_p50', value: percentile(timing.delayMs.snapshot ?? [], 50), unit: 'ms', engine: engine.name });
  printMetric({ metric: 'kws_snapshot_delay_ms_p95', value: percentile(timing.delayMs.snapshot ?? [], 95), unit: 'ms', target: 300, engine: engine.name });
  printMetric({ metric: 'kws_reply_delay_ms_p50', value: percentile(timing.delayMs.reply ?? [], 50), unit: 'ms', engine: engine.name });
  printMetric({ metric: 'kws_reply_delay_ms_p95', value: percentile(timing.delayMs.reply ?? [], 95), unit: 'ms', engine: engine.name });
  printMetric({ metric: 'kws_snapshot_frame_offset_ms_p50', value: percentile(timing.frameOffsetMs, 50), unit: 'ms', engine: engine.name });
  printMetric({ metric: 'kws_snapshot_frame_offset_ms_p95', value: percentile(timing.frameOffsetMs, 95), unit: 'ms', engine: engine.name });
}

/** Questions ended with "cancel" instead of "reply": other phrases and pauses (stream seeds from here on). */
const CANCEL_SEED_OFFSET = 100;

/**
 * "cancel" recall per condition, on questions of the same shapes that end with "cancel" (its own streams, so
 * the snapshot and reply figures stay comparable with earlier runs).
 */
async function cancelFigures(engine: EngineUnderTest): Promise<void> {
  const noise = pinkNoise();
  const streams: Stream[] = [];
  let i = 0;
  for (const voice of VOICES) for (const rate of RATES) streams.push(await questionStream(voice, rate, CANCEL_SEED_OFFSET + i++, 'cancel'));
  for (const cond of CONDITIONS) {
    const byGroup = { target: emptyScore(), espeak: emptyScore() };
    for (const [n, s] of streams.entries()) {
      const pcm = cond.snr === undefined ? s.pcm : withNoise(s, noise, cond.snr, 1.9 + n * 3.7);
      const one = emptyScore();
      const { events } = recognise(engine, pcm);
      score(one, s.truth, events);
      score(byGroup[s.voice.group], s.truth, events);
      if ((one.found.cancel ?? 0) < (one.said.cancel ?? 0)) {
        process.stderr.write(`  ${engine.name} ${cond.name} ${s.voice.engine}/${s.voice.voice} x${s.rate}: cancel ${one.found.cancel ?? 0}/${one.said.cancel}\n`);
      }
    }
    const target = TARGET_CONDITIONS.has(cond.name) ? { target: 0.97 } : {};
    printMetric({ metric: `kws_cancel_recall_${cond.name}`, value: recall(byGroup.target, 'cancel'), unit: 'ratio', ...target, better: 'higher', engine: engine.name });
    printMetric({ metric: `kws_cancel_recall_espeak_${cond.name}`, value: recall(byGroup.espeak, 'cancel'), unit: 'ratio', engine: engine.name });
  }
}

/**
 * Command words heard in ordinary speech, per hour: in a quiet room (the targets) and with the benchmark's
 * pink noise at 20 and 10 dB SNR, as recall is measured (a noisy kitchen must not send half a question either).
 */
export async function falseAlarmFigures(engine: EngineUnderTest): Promise<void> {
  const passages = await falseAlarmPassages(FALSE_ALARM_MINUTES * 60);
  const { pcm: librivoxPcm, spans: librivoxSpans } = librivox();
  const streams: FalseAlarmStream[] = [{ name: 'librivox', pcm: librivoxPcm, spans: librivoxSpans, sentences: [] }];
  // One continuous stream per voice, as the service would hear it.
  for (const v of VOICES) {
    const mine = passages.filter((p) => p.voice === v);
    if (!mine.length) continue;
    let at = 0;
    const sentences: Occurrence[] = [];
    for (const p of mine) {
      sentences.push(...p.sentences.map((x) => ({ word: x.word, start: x.start + at, end: x.end + at })));
      at += (p.pcm.length >> 1) / 16000;
    }
    streams.push({ name: `${v.engine}/${v.voice}`, pcm: Buffer.concat(mine.map((p) => p.pcm)), spans: spansOf(sentences), sentences });
  }
  const noise = pinkNoise();
  for (const condition of FALSE_ALARM_CONDITIONS) {
    const { seconds, count, heard } = falseAlarmsIn(
      streams,
      (pcm) => recognise(engine, pcm).events,
      condition.snr === undefined ? undefined : { noise, snr: condition.snr, offset: (i) => 11 + i * 3.1 },
    );
    process.stderr.write(`  ${engine.name} false-alarm set ${condition.name}: ${(seconds / 60).toFixed(1)} min, heard ${heard.join(', ') || 'nothing'}\n`);
    const perHour = (w: string) => ((count[w] ?? 0) * 3600) / seconds;
    const suffix = condition.snr === undefined ? '' : `_${condition.name}`;
    // The targets are for the false-alarm set as the issue defines it (quiet); in noise the figures are reported.
    const target = (t: number) => (condition.snr === undefined ? { target: t } : {});
    if (condition.snr === undefined) printMetric({ metric: 'kws_false_alarm_set_minutes', value: seconds / 60, unit: 'min', target: 30, better: 'higher', engine: engine.name });
    printMetric({ metric: `kws_false_sends_per_hour${suffix}`, value: perHour(RULES.words.reply), unit: '1/h', ...target(0), engine: engine.name });
    printMetric({ metric: `kws_false_snapshots_per_hour${suffix}`, value: perHour(RULES.words.snapshot), unit: '1/h', ...target(1), engine: engine.name });
    printMetric({ metric: `kws_false_cancels_per_hour${suffix}`, value: perHour(RULES.words.cancel), unit: '1/h', engine: engine.name });
    // "stop" only acts while the appliance speaks (barge-in); heard otherwise it is dropped.
    printMetric({ metric: `kws_false_stops_per_hour${suffix}`, value: perHour(RULES.words.stop), unit: '1/h', engine: engine.name });
  }
}

/**
 * CPU seconds the service's recogniser spends per second of audio: PocketSphinx (keyword and transcript
 * decoders) behind the microphone cleaner at its busiest. That is a noisy room (the demo question in the
 * bench's pink noise at 10 dB SNR): RNNoise runs on every frame, or speexdsp's suppressor side by side. While an
 * answer plays, the echo canceller runs instead of RNNoise (measured apart, in a quiet room, as before RNNoise).
 * Each figure is the median of COST_ROUNDS rounds on one warm recogniser: the machine is shared, and a round
 * another process slowed (seen: 0.14 to 0.19 from one whole-run total to the next) does not move the median.
 */
const COST_ROUNDS = 9;

export function recognitionCost(): void {
  const question = parseWav(readFileSync(join(resolve(__dirname, '../../../test/fixtures/demo'), 'question.wav'))).pcm;
  const noisy = withNoise({ pcm: question, spans: [[0, question.length / 32000]] }, pinkNoise(), 10);
  const cost = (pcm: Buffer, cleaning: CleaningOptions): number =>
    coreSecondsPerAudioSecond(new CleanedRecogniser(new PocketSphinxRecogniser({ keywords: ['snapshot', 'reply', 'cancel', 'stop'] }), cleaning), pcm, COST_ROUNDS);
  const playing = (pcm: Buffer): PlaybackReference => {
    const echo = new PlaybackReference(0.03);
    for (let r = 0; r < COST_ROUNDS; r++) echo.append(pcm, r * 100);
    return echo;
  };
  const engine = 'pocketsphinx';
  printMetric({ metric: 'recognition_core_s_per_audio_s', value: cost(noisy, { suppressor: 'rnnoise' }), unit: 's/s', target: 0.15, engine });
  printMetric({ metric: 'recognition_core_s_per_audio_s_noisy_speex', value: cost(noisy, { suppressor: 'speex' }), unit: 's/s', engine });
  printMetric({ metric: 'recognition_core_s_per_audio_s_echo_cancelling', value: cost(question, { echo: playing(question) }), unit: 's/s', engine });
  rnnoiseSimdSpeedup(noisy);
}

/**
 * RNNoise with the SIMD linear layer against the package's scalar build, frame by frame side by side in one
 * process (whatever else the machine does slows both alike): the ratio of their times, and the SIMD build's
 * own cost per second of audio.
 */
function rnnoiseSimdSpeedup(noisy: Buffer): void {
  const simd = new RnnoiseSuppressor('simd');
  const scalar = new RnnoiseSuppressor('scalar');
  const frames = Math.floor((noisy.length >> 1) / RNNOISE_FRAME_16K);
  const spent = { simd: 0, scalar: 0 };
  for (let r = 0; r < 3; r++) {
    for (let f = 0; f < frames; f++) {
      const frame = new Int16Array(RNNOISE_FRAME_16K);
      for (let i = 0; i < frame.length; i++) frame[i] = noisy.readInt16LE(2 * (f * RNNOISE_FRAME_16K + i));
      for (const [name, sup] of [['simd', simd], ['scalar', scalar]] as const) {
        const copy = frame.slice();
        const t0 = process.hrtime.bigint();
        sup.run(copy);
        spent[name] += Number(process.hrtime.bigint() - t0) / 1e9;
      }
    }
  }
  simd.close();
  scalar.close();
  printMetric({ metric: 'rnnoise_simd_speedup', value: spent.scalar / spent.simd, unit: 'x', target: 2, better: 'higher' });
  printMetric({ metric: 'rnnoise_simd_s_per_audio_s', value: spent.simd / ((3 * frames * RNNOISE_FRAME_16K) / 16000), unit: 's/s' });
}

export async function keywordBench(): Promise<void> {
  // The machine is shared: the bench yields to interactive work.
  try {
    setPriority(10);
  } catch {
    // not permitted: run at normal priority
  }
  recognitionCost();
  const engines: EngineUnderTest[] = [{ name: 'pocketsphinx', config: { engine: 'pocketsphinx' } }];
  if (process.env.VOSK_MODEL) engines.push({ name: 'vosk', config: { engine: 'vosk', modelDir: process.env.VOSK_MODEL } });
  for (const engine of engines) {
    await questionFigures(engine);
    await cancelFigures(engine);
    await falseAlarmFigures(engine);
  }
}

if (require.main === module) {
  keywordBench().catch((e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
