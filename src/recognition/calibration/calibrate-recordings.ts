import { SAMPLE_RATE } from '../../audio/audio-source';
import type { RecogniserSettings } from '../recogniser-settings';
import { RecogniserError } from '../recogniser';
import { KeywordHeads } from '../detector/keyword-head';
import type { EmbeddingModels } from '../detector/speech-embedding';
import { fitCalibration, type CalibrationData, type CalibrationResult } from './calibration-fit';
import { hearSteps } from './hear-steps';
import { loadBank, type BankEntry } from './negative-bank';
import { checkRoom, checkRoomAgainstVoice, checkSentence, checkTakes, type Segment, type Take } from './samples';

/**
 * What the owner is asked to say besides the command words: their ordinary speech, with no command word in it
 * but near misses of each (what the fit must go on refusing in their voice).
 */
export const CALIBRATION_SENTENCES = [
  'The order was cancelled, so tell me what you can see on the table.',
  'She replied to the replies, and then we applied again.',
  'The lid snapped shut at the shop, so the stopwatch stopped.',
];

export interface Recordings {
  room: Int16Array;
  /** The owner saying CALIBRATION_SENTENCES, one recording each. */
  sentences: Int16Array[];
  takes: Take[];
}

export interface CalibrateOptions {
  /** The shipped heads (loaded from assets when not given) and their bank. */
  heads?: KeywordHeads;
  bank?: BankEntry[];
  models?: EmbeddingModels;
  /** Measure leave-one-out recall on the takes (as many extra fits as takes of a word). */
  leaveOneOut?: boolean;
}

/**
 * From recordings to a calibration: the room, the sentences and the takes checked (a CalibrationInputError says
 * what is wrong), heard as the engine hears them, and fitted.
 */
export function calibrateRecordings(r: Recordings, c: RecogniserSettings, o: CalibrateOptions = {}): { heads: KeywordHeads; result: CalibrationResult } {
  const heads = o.heads ?? KeywordHeads.load();
  if (!heads) throw new RecogniserError('no trained keyword heads in assets/keywords (reinstall snapask)');
  const data = hearRecordings(r, c, heads, o.models);
  const bank = o.bank ?? loadBank(heads);
  return { heads, result: fitCalibration(heads, bank, data, { leaveOneOut: o.leaveOneOut ?? false }) };
}

/** The recordings checked and heard by `heads`' hidden layer: each take alone and again after the owner's speech. */
export function hearRecordings(r: Recordings, c: RecogniserSettings, heads: KeywordHeads, models?: EmbeddingModels): CalibrationData {
  checkRoom(r.room);
  const sentenceEnds = r.sentences.map((x, i) => checkSentence(x, i + 1));
  for (const x of r.sentences) checkRoomAgainstVoice(r.room, x);
  const segments = checkTakes(r.takes);
  const context = inContext(r, segments, sentenceEnds);
  const heard = hearSteps(heads, c, [r.room, ...r.sentences, ...r.takes.map((t) => t.samples), ...context.map((t) => t.samples)], models);
  const [room, ...rest] = heard;
  const all = [...r.takes.map((t, i) => ({ ...t, segment: segments[i]! })), ...context];
  // A take and its copy in context are one sample: held out together.
  const takes = rest.slice(r.sentences.length).map((steps, i) => ({ word: all[i]!.word, steps, segment: all[i]!.segment, sample: i % r.takes.length }));
  return { room: room!, speech: rest.slice(0, r.sentences.length), takes };
}

const SECOND = SAMPLE_RATE;
/** How much of a sentence goes before a word in context: more than the heads' window hears. */
const CONTEXT_SECONDS = 2.2;

/**
 * Each take again after the owner's own speech, as the word comes in use: the end of a sentence, a pause of
 * 0.3 to 0.8 s of the room, then the word. The heads' window (about 2 s of audio) still hears the sentence, and
 * a word after speech is not the same window as a word after silence. Without sentences, after another take.
 */
export function inContext(r: Recordings, segments: Segment[], sentenceEnds: number[]): Array<Take & { segment: Segment }> {
  const n = r.takes.length;
  const perWord = r.takes.filter((t) => t.word === r.takes[0]!.word).length;
  return r.takes.map((take, i) => {
    let before: Int16Array;
    if (r.sentences.length) {
      const k = i % r.sentences.length;
      const end = Math.round(sentenceEnds[k]! * SECOND);
      before = r.sentences[k]!.subarray(Math.max(0, end - Math.round(CONTEXT_SECONDS * SECOND)), end);
    } else {
      let j = (i + perWord) % n;
      if (r.takes[j]!.word === take.word) j = (i + 1) % n;
      before = r.takes[j]!.samples.subarray(0, Math.min(r.takes[j]!.samples.length, Math.round((segments[j]!.end + 0.05) * SECOND)));
    }
    const gapLength = Math.round((0.3 + 0.1 * (i % 6)) * SECOND);
    const at = (i * 104729) % Math.max(1, r.room.length - gapLength);
    const gap = r.room.subarray(at, at + gapLength);
    const from = Math.max(0, Math.round((segments[i]!.start - 0.1) * SECOND));
    const word = take.samples.subarray(from);
    const samples = new Int16Array(before.length + gap.length + word.length);
    samples.set(before);
    samples.set(gap, before.length);
    samples.set(word, before.length + gap.length);
    const shift = (before.length + gap.length - from) / SECOND;
    return { word: take.word, samples, segment: { start: segments[i]!.start + shift, end: segments[i]!.end + shift } };
  });
}
