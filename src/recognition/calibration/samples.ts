/**
 * What calibration records, checked before anything is fitted: the room (30 s of it) and each command word said
 * a few times. Each problem is one sentence that says what happened and what to do; nothing is saved then.
 */
import { SAMPLE_RATE } from '../../audio/audio-source';
import { AudioAnalysis, FRAME_SAMPLES, FRAME_SECONDS, FULL_SCALE, levelDbfs } from '../../audio/audio-analysis';
import { PAUSE_SECONDS, quietLevel } from '../detector/word-onset';

/** One recording of a word, as asked for. */
export interface Take {
  word: string;
  samples: Int16Array;
}

/** Where in a take the word was said (seconds from the take's start). */
export interface Segment {
  start: number;
  end: number;
}

export class CalibrationInputError extends Error {
  override name = 'CalibrationInputError';
}

/** Below this the microphone gives nothing: a muted or unplugged input, or a wrong device (dBFS of the loudest 10 ms). */
const SILENT_DBFS = -75;
/** A recording with this share of its samples at full scale is clipped (as the service's clip monitor judges it). */
const CLIPPED_SHARE = 0.002;
/** A room whose median 10 ms level is over this is too loud to calibrate in, whoever speaks (loud music, a machine). */
const LOUD_ROOM_DBFS = -20;
/** The owner's speech must stand this far over the room (its loud frames over the room's median), as word-onset.ts needs to tell a word from the room. */
const MIN_VOICE_OVER_ROOM_DB = 15;
/** A word's sound spans at least this (a click or a knock is shorter) and at most this (more than a word was said). */
const MIN_WORD_SECONDS = 0.15;
const MAX_WORD_SECONDS = 1.8;

/** Frames analysed at a time (well under what AudioAnalysis keeps). */
const HISTORY_STEP = 500;

/** 10 ms frame levels in dB (0 dB = 1 LSB^2), as the detector measures them. */
export function frameLevels(samples: Int16Array): Float32Array {
  const levels = new Float32Array(Math.floor(samples.length / FRAME_SAMPLES));
  const analysis = new AudioAnalysis();
  const step = HISTORY_STEP * FRAME_SAMPLES;
  // In pieces shorter than the analysis keeps, each read off as it is done.
  for (let from = 0; from < samples.length; from += step) {
    const piece = samples.subarray(from, Math.min(samples.length, from + step));
    const { from: f0, to } = analysis.push({ pcm: Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength), t: from / SAMPLE_RATE });
    for (let f = f0; f < to; f++) levels[f] = analysis.levelAt(f)!;
  }
  return levels;
}

function quantile(xs: Float32Array, p: number): number {
  const s = Float32Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? -Infinity;
}

function clippedShare(samples: Int16Array): number {
  let n = 0;
  for (const v of samples) if (v >= FULL_SCALE || v <= -FULL_SCALE) n++;
  return n / Math.max(1, samples.length);
}

/** The microphone's problems with one recording: silent or clipping. */
function checkMicrophone(samples: Int16Array, what: string): void {
  const levels = frameLevels(samples);
  const loudest = levels.length ? Math.max(...levels) : -Infinity;
  if (levelDbfs(loudest) < SILENT_DBFS) {
    throw new CalibrationInputError(`The microphone gave only silence while recording ${what}: check that it is plugged in, not muted (alsamixer, F4) and that audio.device names it, then run snapask calibrate again.`);
  }
  const share = clippedShare(samples);
  if (share >= CLIPPED_SHARE) {
    throw new CalibrationInputError(`The microphone is clipping (${(share * 100).toFixed(1)} % of samples at full scale while recording ${what}): lower its capture gain (alsamixer, F6 for the card, F4 for capture) and run snapask calibrate again.`);
  }
}

/** The room's recording: a working microphone in a room quiet enough to tell a word from it. */
export function checkRoom(room: Int16Array): void {
  checkMicrophone(room, 'the room');
  const median = levelDbfs(quantile(frameLevels(room), 0.5));
  if (median > LOUD_ROOM_DBFS) {
    throw new CalibrationInputError(`The room is too loud to calibrate in (half of it over ${median.toFixed(0)} dBFS, more than ${LOUD_ROOM_DBFS}): turn off the television or music, or wait for quiet, and run snapask calibrate again.`);
  }
}

/**
 * Where the word is in a take: the run of speech around the loudest frame, pauses shorter than a pause
 * between words (the closure inside "snap-shot") bridged, judged as the detector's onset search judges quiet
 * (word-onset.ts). Undefined when nothing stands out from the take's own floor.
 */
export function wordSegment(samples: Int16Array): Segment | undefined {
  const levels = frameLevels(samples);
  if (!levels.length) return undefined;
  const floor = quantile(levels, 0.1);
  const duration = levels.length * FRAME_SECONDS;
  const levelAt = (t: number) => levels[Math.floor(t / FRAME_SECONDS + 1e-6)];
  const quiet = quietLevel(0, duration, floor, levelAt);
  if (quiet === undefined) return undefined;
  let peak = 0;
  for (let f = 1; f < levels.length; f++) if (levels[f]! > levels[peak]!) peak = f;
  // Talk in the background fills the pauses around the word at the onset search's level: judged nearer the
  // word's peak, the word stands out from it (it is said 10 dB or more over it).
  let segment = segmentAround(levels, peak, quiet);
  for (const share of BACKGROUND_SHARES) {
    if (segment.end - segment.start <= MAX_WORD_SECONDS) break;
    segment = segmentAround(levels, peak, floor + share * (levels[peak]! - floor));
  }
  return segment;
}

/** Quiet judged this share of the way from the floor to the word's peak, when the onset search's level runs on. */
const BACKGROUND_SHARES = [0.5, 0.65];

function segmentAround(levels: Float32Array, peak: number, quiet: number): Segment {
  const bridge = Math.round(PAUSE_SECONDS / FRAME_SECONDS);
  const extend = (from: number, dir: 1 | -1): number => {
    let last = from;
    let gap = 0;
    for (let f = from + dir; f >= 0 && f < levels.length; f += dir) {
      if (levels[f]! >= quiet) {
        last = f;
        gap = 0;
      } else if (++gap > bridge) break;
    }
    return last;
  };
  const first = extend(peak, -1);
  const last = extend(peak, 1);
  return { start: first * FRAME_SECONDS, end: (last + 1) * FRAME_SECONDS };
}

/** The room judged against the owner's voice (a sentence of theirs): a room they cannot be told from is too loud. */
export function checkRoomAgainstVoice(room: Int16Array, sentence: Int16Array): void {
  const over = quantile(frameLevels(sentence), 0.9) - quantile(frameLevels(room), 0.5);
  if (over < MIN_VOICE_OVER_ROOM_DB) {
    throw new CalibrationInputError(`The room is too loud to calibrate in (your voice stands only ${Math.max(0, over).toFixed(0)} dB over it, ${MIN_VOICE_OVER_ROOM_DB} needed): turn off the television or music, or wait for quiet, and run snapask calibrate again.`);
  }
}

/** Where a spoken sentence ends (seconds from the recording's start), or the sentence that says it was not heard. */
export function checkSentence(samples: Int16Array, n: number): number {
  checkMicrophone(samples, `sentence ${n}`);
  const levels = frameLevels(samples);
  const floor = quantile(levels, 0.1);
  const levelAt = (t: number) => levels[Math.floor(t / FRAME_SECONDS + 1e-6)];
  const quiet = quietLevel(0, levels.length * FRAME_SECONDS, floor, levelAt);
  let last = -1;
  if (quiet !== undefined) for (let f = 0; f < levels.length; f++) if (levels[f]! >= quiet) last = f;
  if (last < 0 || last * FRAME_SECONDS < 0.5) {
    throw new CalibrationInputError(`I did not hear sentence ${n}: say it at your normal level, within a metre or two of the microphone, right after the prompt, and run snapask calibrate again.`);
  }
  return (last + 1) * FRAME_SECONDS;
}

/** Each take's word, or the sentence that says which was not heard. */
export function checkTakes(takes: Take[]): Segment[] {
  return takes.map((take, i) => {
    const n = takes.slice(0, i + 1).filter((t) => t.word === take.word).length;
    checkMicrophone(take.samples, `"${take.word}"`);
    const s = wordSegment(take.samples);
    const length = s ? s.end - s.start : 0;
    if (!s || length < MIN_WORD_SECONDS) {
      throw new CalibrationInputError(`I did not hear "${take.word}" the ${ordinal(n)} time: say it clearly, within a metre or two of the microphone, right after the prompt, and run snapask calibrate again.`);
    }
    if (length > MAX_WORD_SECONDS) {
      throw new CalibrationInputError(`The ${ordinal(n)} "${take.word}" ran on for ${length.toFixed(1)} s: say only the word, with quiet around it, and run snapask calibrate again.`);
    }
    return s;
  });
}

function ordinal(n: number): string {
  return ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth'][n - 1] ?? `${n}th`;
}
