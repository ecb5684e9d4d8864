/**
 * Calibration's fit, on what was heard: the owner's takes of each word (their hidden-layer vectors and where
 * the word ended), the room's recording, and the shipped bank. The read-out is adapted (readout-fit.ts), then
 * each calibrated word gets the lowest threshold, never under the shipped one, at which false alarms do not rise
 * above the shipped heads' at their shipped threshold: on the bank's clips without the word (ordinary speech, near misses, the other
 * words, noise), on the room, and on the owner's takes of the other words. Recall is never bought with false
 * alarms.
 */
import type { KeywordHeads } from '../detector/keyword-head';
import { PARTIAL_BEFORE, windowLabel } from '../detector/window-labels';
import { REFRACTORY_SECONDS } from '../detector/keyword-detector';
import type { HeardStep } from './hear-steps';
import type { BankEntry } from './negative-bank';
import { classScore, DEFAULT_FIT, fitReadout, type Example, type ExampleSet, type FitOptions, type Readout } from './readout-fit';
import type { Segment } from './samples';

/** One take, as heard. */
export interface HeardTake {
  word: string;
  steps: HeardStep[];
  segment: Segment;
  /** Which recorded sample it comes from (a sample may be heard more than once, in context): held out together. */
  sample?: number;
}

export interface CalibrationData {
  room: HeardStep[];
  /** The owner's ordinary speech (sentences with no command word), each recording's steps. */
  speech: HeardStep[][];
  takes: HeardTake[];
}

export interface WordReport {
  word: string;
  takes: number;
  /** Takes the shipped heads hear at their threshold. */
  heardBefore: number;
  /** Takes heard by a calibration fitted without them (leave one out), when measured. */
  heardAfter?: number;
  /** Takes heard by the calibration fitted on them all (what --check compares with later). */
  heardFitted: number;
  threshold: number;
  shippedThreshold: number;
  /** The word's false alarms on the bank's clips, shipped and calibrated (the second never above the first). */
  bankFalseClips: [number, number];
}

export interface CalibrationResult {
  readout: Readout;
  thresholds: Record<string, number>;
  words: WordReport[];
  roomSeconds: number;
  /** Alarms of any calibrated word in the room's recording: shipped, calibrated. */
  roomFalseAlarms: [number, number];
}

/** How much each part weighs in the fit (the L2 pull to the shipped read-out is in FitOptions). */
const WEIGHTS = { bank: 1, room: 0.5, speech: 0.5, takeNegatives: 0.5, wordPositives: 0.5 };
/** A take is heard when its word scores over the threshold in a window ending this close around the word's end. */
const HEARD_AFTER = 0.4;
/** Thresholds stay in the trainer's range. */
const MIN_THRESHOLD = 0.5;
const MAX_THRESHOLD = 0.999;

function examplesOf(takes: HeardTake[], heads: KeywordHeads): { positives: Map<string, Example[]>; negatives: Example[] } {
  const positives = new Map<string, Example[]>();
  const negatives: Example[] = [];
  for (const take of takes) {
    const label = heads.words.indexOf(take.word) + 1;
    for (const s of take.steps) {
      const l = windowLabel(s.end, take.segment.end);
      if (l === 1) {
        if (!positives.has(take.word)) positives.set(take.word, []);
        positives.get(take.word)!.push({ h: s.hidden, label });
      }
      else if (l === 0) negatives.push({ h: s.hidden, label: 0 });
    }
  }
  return { positives, negatives };
}

/** The highest score of class k in each group of vectors. */
function groupMaxima(groups: Float32Array[][], r: Readout, k: number): number[] {
  const scratch = new Float64Array(r.b2.length);
  return groups.map((g) => g.reduce((m, h) => Math.max(m, classScore(r, h, k, scratch)), 0));
}

/** Events of class k over a recording's steps at a threshold, once per refractory period as the detector counts them. */
export function events(steps: HeardStep[], r: Readout, k: number, threshold: number): number {
  const scratch = new Float64Array(r.b2.length);
  let last = -Infinity;
  let n = 0;
  for (const s of steps) {
    if (s.end - last >= REFRACTORY_SECONDS && classScore(r, s.hidden, k, scratch) >= threshold) {
      n++;
      last = s.end;
    }
  }
  return n;
}

/** Whether the take's word is heard at `threshold` under `r`. */
export function heard(take: HeardTake, r: Readout, k: number, threshold: number): boolean {
  const scratch = new Float64Array(r.b2.length);
  return take.steps.some((s) => s.end >= take.segment.end - PARTIAL_BEFORE && s.end <= take.segment.end + HEARD_AFTER && classScore(r, s.hidden, k, scratch) >= threshold);
}

/** The threshold under which no more than `allowed` of `maxima` reach. */
function thresholdAllowing(maxima: number[], allowed: number): number {
  const sorted = [...maxima].sort((a, b) => b - a);
  return sorted.length > allowed ? sorted[allowed]! + 0.01 : 0;
}

interface Negatives {
  bank: Float32Array[][];
  room: Float32Array[][];
  speech: Float32Array[][];
  otherTakes: Float32Array[][];
}

function negativesFor(word: string, k: number, bank: BankEntry[], data: CalibrationData, takes: HeardTake[]): Negatives {
  const clips = new Map<number, Float32Array[]>();
  for (const e of bank) {
    if (e.label === k) continue;
    if (!clips.has(e.clip)) clips.set(e.clip, []);
    clips.get(e.clip)!.push(e.h);
  }
  return {
    bank: [...clips.values()],
    // Each window of the room its own group: stricter than counting events.
    room: data.room.map((s) => [s.hidden]),
    speech: data.speech.flatMap((x) => x.map((s) => [s.hidden])),
    otherTakes: takes.filter((t) => t.word !== word).map((t) => t.steps.map((s) => s.hidden)),
  };
}

/** The calibrated threshold of word k: false alarms at most the shipped heads' on every negative set. */
function fitThreshold(heads: KeywordHeads, shipped: Readout, adapted: Readout, k: number, neg: Negatives): { threshold: number; bank: [number, number] } {
  const word = heads.words[k - 1]!;
  const shippedThreshold = heads.threshold(word);
  // Never under the shipped threshold: the owner's few sentences are too small a sample of their speech to show
  // every near miss a lower one would let through (flite rms: two false snapshots in 2.3 minutes of its speech at 0.5).
  let threshold = Math.max(MIN_THRESHOLD, shippedThreshold);
  const bank: [number, number] = [0, 0];
  for (const [name, groups] of Object.entries(neg) as Array<[keyof Negatives, Float32Array[][]]>) {
    const allowed = groupMaxima(groups, shipped, k).filter((m) => m >= shippedThreshold).length;
    const maxima = groupMaxima(groups, adapted, k);
    threshold = Math.max(threshold, thresholdAllowing(maxima, allowed));
    if (name === 'bank') bank[0] = allowed;
  }
  threshold = Math.min(MAX_THRESHOLD, threshold);
  bank[1] = groupMaxima(neg.bank, adapted, k).filter((m) => m >= threshold).length;
  return { threshold, bank };
}

function shippedReadout(heads: KeywordHeads): Readout {
  return { w2: heads.f.w2, b2: heads.f.b2 };
}

/** Fits a read-out and thresholds on the takes given (the others held out). */
function fitOn(heads: KeywordHeads, bank: BankEntry[], data: CalibrationData, takes: HeardTake[], words: string[], o: FitOptions) {
  const shipped = shippedReadout(heads);
  const { positives, negatives } = examplesOf(takes, heads);
  const sets: ExampleSet[] = [
    { examples: bank, weight: WEIGHTS.bank },
    { examples: data.room.map((s) => ({ h: s.hidden, label: 0 })), weight: WEIGHTS.room },
    { examples: data.speech.flat().map((s) => ({ h: s.hidden, label: 0 })), weight: WEIGHTS.speech },
    { examples: negatives, weight: WEIGHTS.takeNegatives },
    ...[...positives.values()].map((examples) => ({ examples, weight: WEIGHTS.wordPositives })),
  ];
  const readout = fitReadout(shipped, sets, o);
  const thresholds: Record<string, number> = {};
  const bankFalse: Record<string, [number, number]> = {};
  for (const word of words) {
    const k = heads.words.indexOf(word) + 1;
    const t = fitThreshold(heads, shipped, readout, k, negativesFor(word, k, bank, data, takes));
    thresholds[word] = Number(t.threshold.toFixed(4));
    bankFalse[word] = t.bank;
  }
  return { readout, thresholds, bankFalse };
}

export function fitCalibration(heads: KeywordHeads, bank: BankEntry[], data: CalibrationData, o: { leaveOneOut?: boolean; fit?: FitOptions } = {}): CalibrationResult {
  const fit = o.fit ?? DEFAULT_FIT;
  const words = [...new Set(data.takes.map((t) => t.word))];
  for (const w of words) if (!heads.words.includes(w)) throw new Error(`no trained head for "${w}"`);
  const shipped = shippedReadout(heads);
  const final = fitOn(heads, bank, data, data.takes, words, fit);
  const reports: WordReport[] = words.map((word) => {
    const k = heads.words.indexOf(word) + 1;
    const own = data.takes.filter((t) => t.word === word);
    return {
      word,
      takes: own.length,
      heardBefore: own.filter((t) => heard(t, shipped, k, heads.threshold(word))).length,
      heardFitted: own.filter((t) => heard(t, final.readout, k, final.thresholds[word]!)).length,
      threshold: final.thresholds[word]!,
      shippedThreshold: heads.threshold(word),
      bankFalseClips: final.bankFalse[word]!,
    };
  });
  if (o.leaveOneOut) {
    // The n-th sample of every word held out at once: as many fits as samples of a word.
    const samples = data.takes.map((t, i) => t.sample ?? i);
    const firsts = [...new Set(samples)];
    const index = data.takes.map((t, i) => {
      const own = firsts.filter((s) => data.takes[samples.indexOf(s)]!.word === t.word);
      return own.indexOf(samples[i]!);
    });
    const rounds = Math.max(...index) + 1;
    const after = new Map<string, number>();
    for (let r = 0; r < rounds; r++) {
      const kept = data.takes.filter((_, i) => index[i] !== r);
      const fitted = fitOn(heads, bank, data, kept, words, fit);
      data.takes.forEach((t, i) => {
        if (index[i] !== r) return;
        const k = heads.words.indexOf(t.word) + 1;
        if (heard(t, fitted.readout, k, fitted.thresholds[t.word]!)) after.set(t.word, (after.get(t.word) ?? 0) + 1);
      });
    }
    for (const rep of reports) rep.heardAfter = after.get(rep.word) ?? 0;
  }
  const roomAlarms = (r: Readout, thresholds: (w: string) => number): number => words.reduce((n, w) => n + events(data.room, r, heads.words.indexOf(w) + 1, thresholds(w)), 0);
  const roomSeconds = data.room.length ? data.room[data.room.length - 1]!.end : 0;
  return {
    readout: final.readout,
    thresholds: final.thresholds,
    words: reports,
    roomSeconds,
    roomFalseAlarms: [roomAlarms(shipped, (w) => heads.threshold(w)), roomAlarms(final.readout, (w) => final.thresholds[w]!)],
  };
}
