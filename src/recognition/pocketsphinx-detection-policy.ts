/**
 * Which of the kws search's detections are command words: a command is a word said on its own, so a
 * detection counts only when a real pause follows the spoken word (what separates "reply." from "replies",
 * "replied to", "apply for"), a weak fit also needs a pause before it and a long enough word, and a decoy
 * that fits better vetoes it ("a loud snap."). Judged on frame levels alone (HeardAudio), so tables can
 * test it without the decoder.
 */
import { FRAME_SAMPLES } from '../audio/audio-analysis';

/** A kws detection mapped to stream samples. */
export interface Candidate {
  keyword: string;
  start: number;
  end: number;
  prob: number;
  /** Found only by a weak-fit phrase: counts only with a pause before it, and the spoken word this many samples or longer. */
  minWordSamples?: number;
}

/** What the policy reads of the audio: 10 ms frame levels (dB re 1 LSB^2) and the room around them. */
export interface HeardAudio {
  /** Frame `f`'s level; undefined once forgotten or not yet heard. */
  levelAt(f: number): number | undefined;
  /** The noise floor before frame `f` (-Infinity until known). */
  noiseFloor(f: number): number;
  /** Is the room noisy before frame `f` (AudioAnalysis.noisyAt)? */
  noisy(f: number): boolean;
  /** The latest audio came from a cleaner that took the room's noise out. */
  denoised(): boolean;
  /** Are samples [from, to) clipped? */
  clipped(from: number, to: number): boolean;
}

export type Verdict =
  | { kind: 'accept'; wordEnd: number; resume: number }
  /** Not decidable until more frames are heard. */
  | { kind: 'wait' }
  /** No pause after it (`weak`: a weak fit without its pause before, or too short). */
  | { kind: 'no-pause'; weak: boolean }
  | { kind: 'decoy' };

export interface DetectionPolicyOptions {
  /** Require a pause after a command word (default true). Without it any word that begins like a command word ("replies", "replied") triggers it. */
  requirePause?: boolean;
  /** How far below the word's loudest frame a pause lies in audio the cleaner denoised (tuning; default PAUSE_DROP_DB_DENOISED). */
  pauseDropDbDenoised?: number;
  /** Frames before a detection's end a pause must begin by in denoised audio, negative for after (tuning; default PAUSE_IN_DETECTION_FRAMES_DENOISED). */
  pauseInDetectionFramesDenoised?: number;
  /** Frames after a detection's end it is dropped at when no pause is found (tuning; default DECIDE_AFTER_FRAMES). */
  decideAfterFrames?: number;
  /** How much better (decoder log units) a decoy must fit to veto in a noisy room (tuning; default DECOY_MARGIN_IN_NOISE). */
  decoyMargin?: number;
  /** Quiet frames a weak fit's pause before it lasts (tuning; default PAUSE_MIN_FRAMES, 0: no pause needed). */
  weakFitPauseFrames?: number;
}

/**
 * How much better (in the decoder's log units) a decoy must fit than the command word to veto it: none in a
 * quiet room, this much once the audio the decoder hears is noisy (AudioAnalysis), or the cleaner says it took
 * the room's noise out (after RNNoise the floor is digital silence: judged by the floor, 53 of 60 "reply" were
 * heard on the tuning set at 10 dB SNR, told by the cleaner 60). In
 * noise the decoys fit about as badly as the word: with no margin "apply" vetoed 13 of 44 "reply" on the
 * tuning set at 10 dB SNR, with 250 none. In a quiet room any margin lets some sentence-final "apply."
 * through (awb's at 150).
 */
const DECOY_MARGIN_IN_NOISE = 250;
/**
 * Detections are judged as they appear (-kws_delay 0): one without a pause inside it is dropped once
 * this many frames have passed its end.
 * Dropping restarts the search after the detection, so it must wait for the whole word: with a permissive
 * threshold the search reports a poor fit ending inside a slow word ("snap-" of flite slt's "snapshot" at
 * 0.85x) before the whole word's better fit replaces it, and dropped after 30 frames the rest of the word
 * was decoded alone and lost. Tuning set at 10 dB SNR, three draws: with the noisy room's 1e-30, 30 frames
 * heard 262 of 270 "snapshot", 70 heard 263; with 1e-45, 264 and 267 (50 frames: 267), replies 178 and 179.
 * Clean unchanged (264 and 265 of 270); no false send or snapshot added in the tuning set's ordinary speech.
 */
const DECIDE_AFTER_FRAMES = 70;
/** A pause lasts at least this many frames (longer than a stop consonant's closure)... */
export const PAUSE_MIN_FRAMES = 12;
/** ...and begins at least this many frames before the detection's end (its silence phones lie in it)... */
export const PAUSE_IN_DETECTION_FRAMES = 3;
/**
 * ...but in audio the cleaner denoised, up to this many frames after it: the keyword's silence phones may
 * lie on RNNoise's residue after the word, or on a final /t/'s release, the detection then ending before
 * the real pause (flite slt's last "reply" on the bench; flite rms's slow "snapshot", whose release and
 * residue stay 30 dB under the word for 6 to 8 frames after the detection). Tuning set at 10 dB SNR,
 * three draws: -3 heard 178 of 180 "reply" (177 with 0, 176 with 3); -10 heard 265 of 270 "snapshot"
 * against 263 (-6: 263), replies unchanged; no false send or snapshot added in 45 minutes of its ordinary
 * speech at 20 or 10 dB.
 */
const PAUSE_IN_DETECTION_FRAMES_DENOISED = -10;
/** A weak fit's pause before it ends within this many frames of the detection's start. */
const PAUSE_BEFORE_SLACK_FRAMES = 10;
/** ...and this many frames or more after the detection's start (pauses inside the word are shorter anyway). */
const MIN_WORD_FRAMES = 15;
/** Frames at the end of a detection that belong to its silence phones, left out of its speech level. */
const PAUSE_TAIL_FRAMES = 6;
/** A pause is this far below the keyword's loudest frame... */
const PAUSE_DROP_DB = 35;
/**
 * ...or this far in audio the cleaner denoised: RNNoise lets go of the noise gradually after a word, and its
 * residue sits 30 to 40 dB under the word's peak for a tenth of a second or more. Tuning set at 10 dB SNR,
 * three draws (noise moved, other phrases): 30 heard 262 of 270 "snapshot" and 176 of 180 "reply", 35 heard
 * 260 and 174 (32: 261, 176); no false send or snapshot in its ordinary speech at 20 or 10 dB with either,
 * one more false "stop" at each ("stopped"; "stop" acts only while the appliance speaks).
 */
const PAUSE_DROP_DB_DENOISED = 30;
/** ...or at most this far above the noise floor (whichever is higher: noisy rooms). */
const PAUSE_NOISE_MARGIN_DB = 10;
/** ...but always at least this far below the keyword's loudest frame. */
const PAUSE_MIN_DROP_DB = 15;

export class DetectionPolicy {
  readonly requirePause: boolean;
  private readonly decoyMargin: number;
  private readonly pauseDropDbDenoised: number;
  private readonly pauseInDetectionDenoised: number;
  private readonly decideAfterFrames: number;
  private readonly weakFitPauseFrames: number;

  constructor(
    private readonly heard: HeardAudio,
    o: DetectionPolicyOptions = {},
  ) {
    this.requirePause = o.requirePause ?? true;
    this.decoyMargin = o.decoyMargin ?? DECOY_MARGIN_IN_NOISE;
    this.pauseDropDbDenoised = o.pauseDropDbDenoised ?? PAUSE_DROP_DB_DENOISED;
    this.pauseInDetectionDenoised = o.pauseInDetectionFramesDenoised ?? PAUSE_IN_DETECTION_FRAMES_DENOISED;
    this.decideAfterFrames = o.decideAfterFrames ?? DECIDE_AFTER_FRAMES;
    this.weakFitPauseFrames = o.weakFitPauseFrames ?? PAUSE_MIN_FRAMES;
  }

  /** Is the room noisy at frame `f`: the cleaner took noise out, or the floor is high? (Decoys, and the kws search used.) */
  roomNoisy(f: number): boolean {
    return this.heard.denoised() || this.heard.noisy(f);
  }

  /**
   * The verdict on detection `c` with samples [0, now) heard (`final`: nothing more will be), given the
   * decoys the search found alongside.
   */
  judge(c: Candidate, decoys: readonly Candidate[], now: number, final: boolean): Verdict {
    const v = this.requirePause ? this.pauseVerdict(c, now, final) : { wordEnd: c.end, resume: c.end };
    if (v === 'wait') return { kind: 'wait' };
    if (v === 'reject') return { kind: 'no-pause', weak: false };
    if (c.minWordSamples !== undefined && (v.wordEnd - c.start < c.minWordSamples || !this.pauseBefore(c, v.wordEnd))) {
      // Give a weak fit up only once the whole word is heard: a full-threshold fit of it may still come.
      return final || now / FRAME_SAMPLES - c.end / FRAME_SAMPLES > this.decideAfterFrames ? { kind: 'no-pause', weak: true } : { kind: 'wait' };
    }
    if (this.vetoed(c, v.wordEnd, decoys)) return { kind: 'decoy' };
    return { kind: 'accept', ...v };
  }

  /**
   * A decoy vetoes the command word when it fits better and, like the command word, reaches into the pause
   * after the spoken word (its silence phones lie there). On a real "snapshot." the "snap" decoy may score
   * as well, but its silence phones then lie on "shot": it ends before the pause.
   */
  private vetoed(c: Candidate, wordEnd: number, decoys: readonly Candidate[]): boolean {
    const rivals = decoys.filter((d) => d.keyword === c.keyword && d.start < wordEnd && d.end >= wordEnd + PAUSE_IN_DETECTION_FRAMES * FRAME_SAMPLES);
    if (rivals.length === 0 || this.heard.clipped(c.start, wordEnd)) return false;
    const margin = this.roomNoisy(Math.round(c.start / FRAME_SAMPLES)) ? this.decoyMargin : 0;
    return rivals.some((d) => d.prob >= c.prob + margin);
  }

  /**
   * Is the spoken keyword followed by a pause? The detection ends with silence phones, which the decoder may
   * also have laid over a stop's closure ("replied to") or a weak fricative ("replies"): require a stretch
   * of PAUSE_MIN_FRAMES frames well below the keyword's loudest frame (and near the noise floor) that begins
   * after the word and before the detection's end, with no sound after it in the word's part of the detection
   * (a pause followed by more of the word is inside it). Returns where the word ends (the start of that pause) and
   * where a next word could begin, 'reject', or 'wait' while the frames to decide are not all heard yet.
   */
  private pauseVerdict(c: Candidate, now: number, final: boolean): { wordEnd: number; resume: number } | 'reject' | 'wait' {
    const sf = Math.round(c.start / FRAME_SAMPLES);
    const ef = Math.round(c.end / FRAME_SAMPLES) - 1;
    const known = Math.floor(now / FRAME_SAMPLES); // frames [0, known) have been heard
    const limit = this.pauseLevel(sf, ef);
    if (limit === null) return 'reject'; // no longer known
    const lastStart = ef - (this.heard.denoised() ? this.pauseInDetectionDenoised : PAUSE_IN_DETECTION_FRAMES); // the latest frame a pause may begin at
    const wordPart = ef - PAUSE_TAIL_FRAMES; // the detection's frames before its silence phones
    let run = 0;
    let pause: { wordEnd: number; resume: number } | undefined;
    for (let f = sf + MIN_WORD_FRAMES; f <= lastStart + PAUSE_MIN_FRAMES - 1; f++) {
      if (pause && f > wordPart) return pause;
      // Frames not heard yet count as silence only at the end (flush, or the padding after a quiet spell).
      if (f >= known && !final) return 'wait';
      const quiet = (this.heard.levelAt(f) ?? -Infinity) <= limit;
      // Sound again within the word after a pause: that pause lay inside the word (a slow voice's closure sunk
      // under the noise: flite kal's "re-p-ly" at 10 dB SNR), and the word ends later.
      if (!quiet) pause = undefined;
      run = quiet ? run + 1 : 0;
      if (run === PAUSE_MIN_FRAMES && !pause) {
        const start = f - PAUSE_MIN_FRAMES + 1;
        if (start <= lastStart) pause = { wordEnd: start * FRAME_SAMPLES, resume: (f + 1) * FRAME_SAMPLES };
      }
    }
    if (pause) return pause;
    // No pause inside the detection (yet): it may still grow into one, or a better version may come.
    return final || known - ef > this.decideAfterFrames ? 'reject' : 'wait';
  }

  /**
   * The level (dB) a pause around the detection of frames [sf, ef] lies under: well below the keyword's loudest
   * frame, and near the noise floor; null when the word's frames are no longer known.
   */
  private pauseLevel(sf: number, ef: number): number | null {
    let peak = -Infinity;
    for (let f = sf; f <= Math.max(sf, ef - PAUSE_TAIL_FRAMES); f++) peak = Math.max(peak, this.heard.levelAt(f) ?? -Infinity);
    if (peak === -Infinity) return null;
    const noise = this.heard.noiseFloor(sf);
    const drop = this.heard.denoised() ? this.pauseDropDbDenoised : PAUSE_DROP_DB;
    return Math.max(peak - drop, Math.min(noise + PAUSE_NOISE_MARGIN_DB, peak - PAUSE_MIN_DROP_DB));
  }

  /**
   * Is the spoken word said on its own, a pause before it? A stretch of quiet frames as long as the pause after
   * it (PAUSE_MIN_FRAMES) that ends within PAUSE_BEFORE_SLACK_FRAMES of the detection's start (the search places
   * a word's start only to within a few frames).
   */
  private pauseBefore(c: Candidate, wordEnd: number): boolean {
    const need = this.weakFitPauseFrames;
    if (need <= 0) return true;
    const sf = Math.round(c.start / FRAME_SAMPLES);
    const limit = this.pauseLevel(sf, Math.round(wordEnd / FRAME_SAMPLES) + PAUSE_TAIL_FRAMES - 1);
    if (limit === null) return false;
    let run = 0;
    for (let f = sf - PAUSE_BEFORE_SLACK_FRAMES - need + 1; f <= sf + PAUSE_BEFORE_SLACK_FRAMES; f++) {
      run = (this.heard.levelAt(f) ?? -Infinity) <= limit ? run + 1 : 0;
      if (run >= need && f >= sf - PAUSE_BEFORE_SLACK_FRAMES) return true;
    }
    return false;
  }
}

/**
 * Several pronunciations (and a word's weak-fit phrase) may report the same occurrence: the best of
 * overlapping detections of a word, weak only where no full-threshold phrase found it.
 */
export function mergeOverlapping(keywords: readonly Candidate[]): Candidate[] {
  const sorted = [...keywords].sort((a, b) => a.start - b.start);
  const merged: Candidate[] = [];
  for (const c of sorted) {
    const prev = merged.find((m) => m.keyword === c.keyword && c.start < m.end && m.start < c.end);
    if (!prev) {
      merged.push({ ...c });
      continue;
    }
    const strong = prev.minWordSamples === undefined || c.minWordSamples === undefined;
    if (c.prob > prev.prob) Object.assign(prev, c);
    if (strong) delete prev.minWordSamples;
  }
  return merged;
}
