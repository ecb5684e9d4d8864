import type { AudioChunk } from '../audio/audio-source';
import { SAMPLE_RATE } from '../audio/audio-source';
import { AudioAnalysis, FRAME_SECONDS, analysisOf, type ChunkAnalysis } from '../audio/audio-analysis';
import type { KeywordEvent, Recogniser, RecognitionEvent } from './recogniser';
import { USER_OVER_ECHO_DB, type RoomEcho } from './room-echo';

/** Speech this soon after the word's end still belongs to it (its release, a recogniser's early end). */
const TAIL_SECONDS = 0.06;
/**
 * A recogniser may end a word early, inside its last voiced sound: espeak-ng's "cancel" ended 0.22 s before its
 * long /l/ did (the bench's en-us+f3 at 20 dB SNR). Voiced speech that runs on from the word's end without a
 * break is still the word, up to this long; longer, or fricative, it is more speech ("cancellation", "replies").
 */
const LATE_END_SECONDS = 0.3;
/** Speech frames this far apart are one run (10 ms frames, and a little for rounding). */
const RUN_STEP_SECONDS = 0.0105;
/**
 * The pause before the word is looked for this long before the start the recogniser gives it: that start can
 * be late, after a weak onset (measured: 70 ms after flite rms's /r/ at 10 dB SNR; with 30 ms the onset itself
 * read as speech before the word, with 80 ms the closures of "late to reapply" passed for the pause).
 */
const LEAD_SECONDS = 0.05;
/**
 * "reply" ends in a vowel: a detection whose last stretch is frication is another word ("replies", "reply's")
 * whose /z/ the recogniser took for the pause. This many fricative speech frames in the window from
 * FRICATION_BEFORE_SECONDS before the word's end to TAIL_SECONDS after it veto it (measured: flite's kal
 * "replies" 4 to 6, every clean "reply" of the target voices 0 to 3, rms's breathy release the most).
 */
const FRICATION_MIN_FRAMES = 4;
/** The check holds only for a word spelt with a final vowel ("reply"): "send" ends in a burst, "finish" in frication. */
const ENDS_IN_VOWEL = /[aeiouy\u00e0-\u00ff]$/i;
const FRICATION_BEFORE_SECONDS = 0.08;
/**
 * Speech counts against the word (before or after it) only when it is within this many dB of the word's own
 * loudest frame: the user's voice, not a television or people talking 12 dB under it. The user's weak words
 * ("to") may fall under it; the stressed one after them ("...to Anna") does not. Tuning voices, babble of
 * four voices at 10 dB SNR: the loudest 10 ms frame in the gap after a final "reply" stood 9.9 to 18.5 dB under
 * the word (10 dB dropped some); the first loud frame of the question going on after "reply" mid-sentence
 * 6.4 dB under it or louder.
 */
const USER_RANGE_DB = 8;
/**
 * A word the user set apart, with a pause of at least ALONE_PAUSE_SECONDS before it, is a command said on its own
 * ("...is it ripe? <pause> reply"): it counts after a shorter gap, at most ALONE_GAP_SECONDS. A word closer to
 * what came before ("is there a polite reply <pause> I could send", "should I <0.4 s> cancel <0.35 s> the
 * order") waits the whole gap. Tuning voices, quiet room: questions going on after "reply" mid-sentence (pauses
 * of 0.1 to 0.4 s after it) sent 6 of 48 times with a 0.3 s gap for every word and 3 of 48 with 0.45 s.
 */
const ALONE_PAUSE_SECONDS = 0.6;
const ALONE_GAP_SECONDS = 0.3;
/** Speech frame times kept, seconds (longer than any gap). */
const KEEP_SECONDS = 8;
/**
 * The room is noisy for this rule when the loud frames stand less than this far over the floor (AudioAnalysis.range,
 * about the SNR plus 8 dB): in noise a sentence's weak sounds ("to", "re-") sink under the floor and leave a gap
 * that passes for the pause before "reply" ("...too late to reapply."), so a noisy room asks for a longer one.
 * Relative, not the analysis's absolute noisy room: a voice far over a noisy room still has its weak sounds.
 */
const NOISY_RANGE_DB = 24;

/**
 * Engine-independent rule for the word that sends ("reply"): it counts only
 * when it ends the utterance, that is when no speech follows it for
 * `gapSeconds`. Its event is held back until then (with `detectedAt` moved to
 * the moment the gap was complete) and dropped if speech comes first, so
 * "please reply to Anna" in mid-question never sends half a question. It must
 * be said on its own, too: speech right before it ("she never replied.") drops
 * it at once. A reply whose last stretch is frication is dropped too: "reply"
 * ends in a vowel. The other word that ends a question ("cancel", `endWords`)
 * follows the same rules, pause before and gap after: in a noisy room a
 * sentence-final "...the bottle." fitted "cancel." (the benchmark's questions at
 * 20 and 10 dB SNR), and a false cancel throws the question and its pictures
 * away; "should I cancel the order?" must not either. Other events pass at once. Speech is judged by level against
 * the noise floor, on the raw microphone (outside any cleaner: suppressed noise
 * pumps).
 */
export class UtteranceEndGate implements Recogniser {
  /** Replies (and `endWords`) dropped because speech followed (diagnostics). */
  droppedMidUtterance = 0;
  /** Replies dropped because they ended in frication (diagnostics). */
  droppedFrication = 0;
  /** Replies (and `endWords`) dropped because speech ran straight into them (diagnostics). */
  droppedNoPauseBefore = 0;
  /** The microphone's analysis when chunks come without one (the gate is then the front of the stack). */
  private room?: AudioAnalysis;
  /** The analysis read. */
  private heard?: AudioAnalysis;
  /** End times of recent speech frames shaped like frication, ascending. */
  private fricativeEnds: number[] = [];
  /** End times of recent speech frames, ascending, and their levels (dB). */
  private speechEnds: number[] = [];
  private speechLevels: number[] = [];
  private held: Array<KeywordEvent & { gap: number }> = [];

  constructor(
    private readonly inner: Recogniser,
    private readonly word: string,
    private readonly gapSeconds: number,
    private readonly pauseBeforeSeconds = 0,
    private readonly noisyPauseBeforeSeconds = pauseBeforeSeconds,
    private readonly endWords: readonly string[] = [],
    /** The device's own playback at the microphone: frames it explains are not the user's speech. */
    private readonly echo?: RoomEcho | null,
  ) {}

  accept(chunk: AudioChunk): RecognitionEvent[] {
    const analysis = analysisOf(chunk, () => (this.room ??= new AudioAnalysis()));
    this.track(analysis, chunk.t);
    const out = this.pass(this.inner.accept({ ...chunk, analysis }));
    const now = chunk.t + (chunk.pcm.length >> 1) / SAMPLE_RATE;
    out.push(...this.decide(now, false));
    return out;
  }

  flush(): RecognitionEvent[] {
    const out = this.pass(this.inner.flush());
    // End of input ends the utterance: a reply not contradicted by speech counts.
    out.push(...this.decide(Infinity, true));
    return out;
  }

  close(): void {
    this.inner.close();
  }

  private pass(events: RecognitionEvent[]): RecognitionEvent[] {
    const out: RecognitionEvent[] = [];
    for (const e of events) {
      if (e.type !== 'keyword' || (e.word !== this.word && !this.endWords.includes(e.word))) out.push(e);
      else if (this.spokeBefore(e)) this.droppedNoPauseBefore++;
      else this.held.push({ ...e, gap: this.pauseBeforeSeconds > 0 && this.aloneBefore(e) ? Math.min(this.gapSeconds, ALONE_GAP_SECONDS) : this.gapSeconds });
    }
    return out;
  }

  /** Was there speech in the pause the word needs before it? (Its frames are all heard by the time it is spotted.) */
  private spokeBefore(k: KeywordEvent): boolean {
    if (this.pauseBeforeSeconds <= 0) return false;
    const pause = this.noisy ? Math.max(this.pauseBeforeSeconds, this.noisyPauseBeforeSeconds) : this.pauseBeforeSeconds;
    const to = k.start - LEAD_SECONDS;
    const user = this.userLevel(k);
    return this.speechEnds.some((t, i) => t > to - pause && t <= to && this.speechLevels[i]! >= user);
  }

  /** Was the word set apart: none of the user's speech in the ALONE_PAUSE_SECONDS before it? */
  private aloneBefore(k: KeywordEvent): boolean {
    const to = k.start - LEAD_SECONDS;
    const user = this.userLevel(k);
    return !this.speechEnds.some((t, i) => t > to - ALONE_PAUSE_SECONDS && t <= to && this.speechLevels[i]! >= user);
  }

  /** The quietest speech that is the user's: USER_RANGE_DB under the word's loudest frame. */
  private userLevel(k: KeywordEvent): number {
    let peak = -Infinity;
    this.speechEnds.forEach((t, i) => {
      if (t > k.start && t <= k.end + TAIL_SECONDS) peak = Math.max(peak, this.speechLevels[i]!);
    });
    return peak - USER_RANGE_DB;
  }

  /** Is the room noisy now (see NOISY_RANGE_DB)? Then "reply" needs the longer pause before it. */
  get noisy(): boolean {
    return (this.heard?.range ?? Infinity) < NOISY_RANGE_DB;
  }

  private decide(now: number, final: boolean): RecognitionEvent[] {
    const out: RecognitionEvent[] = [];
    this.held = this.held.filter((k) => {
      const from = k.end + TAIL_SECONDS;
      const end = this.wordEnd(k.end);
      const user = this.userLevel(k);
      const spoke = this.speechEnds.some((t, i) => t > end + TAIL_SECONDS && t <= end + k.gap && this.speechLevels[i]! >= user);
      if (spoke) {
        this.droppedMidUtterance++;
        return false;
      }
      if (ENDS_IN_VOWEL.test(k.word) && this.fricativeEnds.filter((t) => t > k.end - FRICATION_BEFORE_SECONDS && t <= from).length >= FRICATION_MIN_FRAMES) {
        this.droppedFrication++;
        return false;
      }
      if (final || now >= end + k.gap) {
        const { gap, ...event } = k;
        out.push({ ...event, detectedAt: Math.max(k.detectedAt, final ? k.detectedAt : end + gap) });
        return false;
      }
      return true;
    });
    return out;
  }

  /** Where the word ends: the recogniser's `end`, or the end of voiced speech running on from it that stops within LATE_END_SECONDS. */
  private wordEnd(end: number): number {
    let t = end + TAIL_SECONDS;
    for (const e of this.speechEnds) {
      if (e <= t) continue;
      if (e - t > RUN_STEP_SECONDS || this.fricativeEnds.includes(e)) break;
      t = e;
    }
    return t > end + TAIL_SECONDS && t - end <= LATE_END_SECONDS ? t : end;
  }

  /** Is a frame this loud, ending at `end`, no more than the device's own playback would give? */
  private echoExplains(level: number, end: number): boolean {
    const echo = this.echo?.levelDb(end);
    return echo !== undefined && level < echo + USER_OVER_ECHO_DB;
  }

  /** The chunk's speech frames (those the device's own playback does not explain), by their end times. */
  private track(a: ChunkAnalysis, t: number): void {
    const heard = (this.heard = a.of);
    for (let f = a.from; f < a.to; f++) {
      const level = heard.levelAt(f)!;
      const end = heard.startOf(f)! + FRAME_SECONDS;
      if (heard.speechAt(f) && !this.echoExplains(level, end)) {
        this.speechEnds.push(end);
        this.speechLevels.push(level);
        if (heard.fricativeAt(f)) this.fricativeEnds.push(end);
      }
    }
    const horizon = t - KEEP_SECONDS;
    const kept = since(this.speechEnds, horizon);
    if (kept !== this.speechEnds) this.speechLevels = this.speechLevels.slice(this.speechEnds.length - kept.length);
    this.speechEnds = kept;
    this.fricativeEnds = since(this.fricativeEnds, horizon);
  }
}

/** The ascending times from `horizon` on (the array itself when none are older). */
function since(times: number[], horizon: number): number[] {
  let drop = 0;
  while (drop < times.length && times[drop]! < horizon) drop++;
  return drop ? times.slice(drop) : times;
}
