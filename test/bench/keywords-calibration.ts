/**
 * `make bench ONLY=calibration`: does calibration to one voice (snapask calibrate, issue 19 §4) raise recall
 * on that voice without raising false alarms? For each held-out voice and room of the held-out bench
 * (keywords-heldout.ts) the voice says the calibration sentences and "snapshot" and "reply" five times each in
 * the room (rates a little apart, each take its own noise), the room is recorded for 30 s, and the calibration is fitted exactly as
 * snapask calibrate fits it (the speech analysis finds each word). Then the voice's other clips in that room
 * (the held-out bench's questions and sentences) and its ordinary speech are heard by the engine as the
 * service builds it, without and with the calibration saved in a state directory.
 *
 * Figures pool the (voice, room) pairs where recall before calibration is under 0.97, per word; false alarms
 * pool every pair. Sizes (CPU, on a shared machine): rooms CALIBRATION_ROOMS (default the three target
 * rooms), CALIBRATION_FA_MINUTES of ordinary speech per voice and room (default 2), CALIBRATION_VOICES (indices
 * into the held-out voices, default all).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setPriority } from 'node:os';
import { createRecogniser } from '../../src/recognition/create-recogniser';
import { calibrateRecordings } from '../../src/recognition/calibration/calibrate-recordings';
import { saveCalibration } from '../../src/recognition/calibration/calibration-file';
import { CalibrationInputError } from '../../src/recognition/calibration/samples';
import { loadBank } from '../../src/recognition/calibration/negative-bank';
import { KeywordHeads } from '../../src/recognition/detector/keyword-head';
import { EmbeddingModels } from '../../src/recognition/detector/speech-embedding';
import type { KeywordEvent } from '../../src/recognition/recogniser';
import { keywordsIn, RULES } from '../support/recognise';
import {
  heldoutRooms,
  heldoutVoices,
  inRoom,
  inSentenceCases,
  LEAD,
  nameOf,
  ordinaryCases,
  questionCases,
  scoreInSentence,
  scoreQuestions,
  tally,
} from './keywords-heldout';
import { CALIBRATION_WORDS, syntheticSession } from '../support/calibration-session';
import { printMetric } from './metric';

/** What one (voice, room) pair measured: per word found and said before and after, false alarms, seconds of speech. */
export interface PairRecord {
  voice: string;
  room: string;
  refused: boolean;
  /** Of the calibration's own samples (alone and in context): heard by the shipped heads, heard after (fitted on all). */
  takes: number;
  takesHeardBefore: number;
  takesHeardFitted: number;
  recall: Record<'before' | 'after', Record<'snapshot' | 'reply' | 'inSentence', [number, number]>>;
  falseAlarms: Record<'before' | 'after', Record<string, number>>;
  faSeconds: number;
  cpuSeconds: number;
}

function hear(stateDir: string | undefined, pcm: Buffer): KeywordEvent[] {
  return keywordsIn(createRecogniser({ engine: 'learned' }, RULES, { transcribe: false, ...(stateDir ? { stateDir } : {}) }), pcm, -LEAD);
}

const KINDS = [
  ['snapshot', 'snapshot'],
  ['reply', 'reply'],
  ['inSentence', 'snapshot'],
] as const;

/** Measures every (voice, room) pair asked for; each record also goes to stderr as a `pair {...}` line. */
async function measurePairs(): Promise<PairRecord[]> {
  const voices = heldoutVoices();
  const roomNames = (process.env.CALIBRATION_ROOMS ?? 'quiet,speech10,room_large_far').split(',');
  const rooms = heldoutRooms().filter((r) => roomNames.includes(r.name));
  const faMinutes = Number(process.env.CALIBRATION_FA_MINUTES ?? '2');
  const onlyVoices = (process.env.CALIBRATION_VOICES ?? '').split(',').filter(Boolean).map(Number);
  const questions = await questionCases(voices);
  const sentences = await inSentenceCases(voices);
  const heads = KeywordHeads.load()!;
  const bank = loadBank(heads);
  const models = new EmbeddingModels();
  const records: PairRecord[] = [];
  for (const [i, copy] of voices.entries()) {
    if (onlyVoices.length && !onlyVoices.includes(i)) continue;
    const ordinary = await ordinaryCases([copy], faMinutes);
    for (const room of rooms) {
      const c0 = process.cpuUsage();
      const rec = await syntheticSession(copy, room, i, CALIBRATION_WORDS);
      const stateDir = mkdtempSync(join(tmpdir(), 'snapask-calibration-bench-'));
      const r: PairRecord = {
        voice: nameOf(copy),
        room: room.name,
        refused: false,
        takes: 0,
        takesHeardBefore: 0,
        takesHeardFitted: 0,
        recall: { before: { snapshot: [0, 0], reply: [0, 0], inSentence: [0, 0] }, after: { snapshot: [0, 0], reply: [0, 0], inSentence: [0, 0] } },
        falseAlarms: { before: {}, after: {} },
        faSeconds: 0,
        cpuSeconds: 0,
      };
      try {
        const { result } = calibrateRecordings(rec, { engine: 'learned' }, { heads, bank, models });
        saveCalibration(stateDir, heads, result);
        for (const w of result.words) {
          r.takes += w.takes;
          r.takesHeardBefore += w.heardBefore;
          r.takesHeardFitted += w.heardFitted;
        }
      } catch (e) {
        if (!(e instanceof CalibrationInputError)) throw e;
        r.refused = true;
        process.stderr.write(`  ${r.voice} ${room.name}: calibration refused: ${e.message}\n`);
      }
      for (const side of ['before', 'after'] as const) {
        const dir = side === 'after' && !r.refused ? stateDir : undefined;
        const q = tally();
        const st = tally();
        scoreQuestions(q, questions[i]!, hear(dir, inRoom(room, questions[i]!, i)));
        scoreInSentence(st, sentences[i]!, hear(dir, inRoom(room, sentences[i]!, 100 + i)));
        for (const [kind, word] of KINDS) {
          const t = kind === 'inSentence' ? st : q;
          r.recall[side][kind] = [t.found[word] ?? 0, t.said[word] ?? 0];
        }
        for (const [j, c] of ordinary.entries()) {
          if (side === 'before') r.faSeconds += c.pcm.length / 32000 + LEAD;
          for (const e of hear(dir, inRoom(room, c, 200 + j))) r.falseAlarms[side][e.word] = (r.falseAlarms[side][e.word] ?? 0) + 1;
        }
      }
      rmSync(stateDir, { recursive: true, force: true });
      const c = process.cpuUsage(c0);
      r.cpuSeconds = (c.user + c.system) / 1e6;
      process.stderr.write(`pair ${JSON.stringify(r)}\n`);
      records.push(r);
    }
  }
  models.close();
  return records;
}

/** The figures over the pairs: recall where it was under 0.97 before, per word, and false alarms over all. */
export function printFigures(records: PairRecord[]): void {
  const m = (metric: string, value: number, unit: string, target?: number, better?: 'higher' | 'lower') => printMetric({ metric, value, unit, ...(target !== undefined ? { target } : {}), ...(better ? { better } : {}), engine: 'learned' });
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const share = (f: number, n: number) => f / Math.max(1, n);
  m('kws_calibration_pairs', records.length, 'count');
  m('kws_calibration_refused', records.filter((r) => r.refused).length, 'count');
  let below = 0;
  let improved = 0;
  for (const r of records) {
    // A pair counts as improved when every command word said on its own that was under target rose (the takes are
    // words alone; "snapshot" inside a sentence is reported apart).
    const low = KINDS.filter(([k]) => k !== 'inSentence' && share(...r.recall.before[k]) < 0.97);
    if (!low.length) continue;
    below++;
    if (low.every(([k]) => r.recall.after[k][0] > r.recall.before[k][0])) improved++;
  }
  m('kws_calibration_pairs_below_target', below, 'count');
  m('kws_calibration_pairs_improved_share', share(improved, below), 'ratio', 1, 'higher');
  for (const [kind] of KINDS) {
    const name = kind === 'inSentence' ? 'snapshot_in_sentence' : kind;
    const low = records.filter((r) => share(...r.recall.before[kind]) < 0.97);
    const said = sum(low.map((r) => r.recall.before[kind][1]));
    m(`kws_calibration_${name}_occurrences_below_target`, said, 'count');
    m(`kws_calibration_${name}_recall_below_target_before`, share(sum(low.map((r) => r.recall.before[kind][0])), said), 'ratio');
    m(`kws_calibration_${name}_recall_below_target_after`, share(sum(low.map((r) => r.recall.after[kind][0])), said), 'ratio', 0.97, 'higher');
    const all = sum(records.map((r) => r.recall.before[kind][1]));
    m(`kws_calibration_${name}_recall_all_before`, share(sum(records.map((r) => r.recall.before[kind][0])), all), 'ratio');
    m(`kws_calibration_${name}_recall_all_after`, share(sum(records.map((r) => r.recall.after[kind][0])), all), 'ratio');
  }
  const takes = sum(records.map((r) => r.takes));
  m('kws_calibration_takes_heard_before', share(sum(records.map((r) => r.takesHeardBefore)), takes), 'ratio');
  m('kws_calibration_takes_heard_fitted', share(sum(records.map((r) => r.takesHeardFitted)), takes), 'ratio');
  const hours = sum(records.map((r) => r.faSeconds)) / 3600;
  m('kws_calibration_false_alarm_hours', hours, 'h');
  const fa = (side: 'before' | 'after', word?: string) => sum(records.map((r) => (word ? (r.falseAlarms[side][word] ?? 0) : sum(Object.values(r.falseAlarms[side]))))) / hours;
  for (const [name, word] of [['sends', 'reply'], ['snapshots', 'snapshot'], ['commands', undefined]] as const) {
    m(`kws_calibration_false_${name}_per_hour_before`, fa('before', word), '1/h');
    m(`kws_calibration_false_${name}_per_hour_after`, fa('after', word), '1/h', fa('before', word));
  }
  m('kws_calibration_bench_cpu_s', sum(records.map((r) => r.cpuSeconds)), 's', 900);
}

/**
 * The bench; CALIBRATION_FROM=file[,file] prints the figures of `pair` lines saved from earlier runs instead
 * (runs split by CALIBRATION_VOICES, combined).
 */
export async function calibrationBench(): Promise<void> {
  try {
    setPriority(10);
  } catch {
    // not permitted
  }
  const from = (process.env.CALIBRATION_FROM ?? '').split(',').filter(Boolean);
  const records = from.length
    ? from.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('pair ')).map((l) => JSON.parse(l.slice(5)) as PairRecord))
    : await measurePairs();
  printFigures(records);
}

if (require.main === module) {
  calibrationBench().catch((e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
