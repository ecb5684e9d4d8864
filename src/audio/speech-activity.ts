import { AudioAnalysis, FRAME_SECONDS, analysisOf } from './audio-analysis';
import type { AudioChunk } from './audio-source';

/** Silence shorter than this inside speech (between words, a stop consonant's closure) does not end a stretch of speech. */
const BRIDGE_SECONDS = 0.2;
/** A stretch of speech shorter than this is a click or a knock, not speech. */
const MIN_SPEECH_SECONDS = 0.06;

export interface SpeechSpan {
  start: number;
  end: number;
}

/**
 * Where the speech is, from the microphone's speech frames (AudioAnalysis): the stretches of speech
 * (words within BRIDGE_SECONDS of each other joined) on the shared clock. The turn logic asks it where a
 * question begins (speech running up to a moment without a pause longer than some limit), and the
 * transcription where to cut a question's audio (at its pauses).
 */
export class SpeechActivity {
  /** The microphone's analysis when chunks come without one. */
  private own?: AudioAnalysis;
  private readonly spans: SpeechSpan[] = [];
  /** The stretch under way (its last speech frame's end so far), not yet closed by a long enough silence. */
  private open?: SpeechSpan;

  /** `muted`: the device itself is speaking; what the microphone hears then is nobody's question. */
  push(chunk: AudioChunk, muted = false): void {
    const { of: heard, from, to } = analysisOf(chunk, () => (this.own ??= new AudioAnalysis()));
    for (let f = from; f < to; f++) {
      const t = heard.startOf(f)!;
      if (!muted && heard.speechAt(f)) this.heardSpeech(t);
      else this.silent(t);
    }
  }

  /** The stretches of speech heard, oldest first, with the one under way (if any) last. */
  get speech(): SpeechSpan[] {
    return this.open ? [...this.spans, { ...this.open }] : [...this.spans];
  }

  /** The end of the last speech heard, or -Infinity. */
  get lastEnd(): number {
    return this.open?.end ?? this.spans.at(-1)?.end ?? -Infinity;
  }

  /**
   * Speech known otherwise (a word a recogniser heard): it counts as speech whatever its level, so a recogniser's
   * words are never cut out of a question by a pause the levels alone would see.
   */
  note(start: number, end: number): void {
    let s: SpeechSpan = { start, end };
    if (this.open && end >= this.open.start - BRIDGE_SECONDS) {
      this.open.start = Math.min(this.open.start, start);
      this.open.end = Math.max(this.open.end, end);
      s = this.open;
    } else {
      let i = this.spans.length;
      while (i > 0 && this.spans[i - 1]!.start > start) i--;
      this.spans.splice(i, 0, s);
    }
    // Join what now touches.
    for (let i = this.spans.length - 1; i > 0; i--) {
      const a = this.spans[i - 1]!;
      const b = this.spans[i]!;
      if (b.start - a.end <= BRIDGE_SECONDS) {
        a.end = Math.max(a.end, b.end);
        this.spans.splice(i, 1);
      }
    }
    const last = this.spans.at(-1);
    if (this.open && last && this.open.start - last.end <= BRIDGE_SECONDS) {
      this.open.start = Math.min(this.open.start, last.start);
      this.spans.pop();
    }
  }

  /**
   * Where the speech reaching `t` begins: back from `t` over pauses no longer than `maxPause`, never before
   * `floor` (speech that ended by then belongs to something else); `t` itself if no speech reaches it.
   */
  chainStart(t: number, maxPause: number, floor = -Infinity): number {
    const spans = this.speech;
    let i = spans.length - 1;
    while (i >= 0 && spans[i]!.start > t) i--;
    // The stretch before `t` must reach it within the pause.
    if (i < 0 || t - spans[i]!.end > maxPause || spans[i]!.end <= floor) return t;
    while (i > 0 && spans[i - 1]!.end > floor && spans[i]!.start - spans[i - 1]!.end <= maxPause) i--;
    return Math.max(floor, spans[i]!.start);
  }

  /** Forgets speech that ended before `t` (nothing before it can be asked about any more). */
  forgetBefore(t: number): void {
    while (this.spans.length && this.spans[0]!.end < t) this.spans.shift();
  }

  /** A speech frame beginning at `t`. */
  private heardSpeech(t: number): void {
    const end = t + FRAME_SECONDS;
    if (this.open && t - this.open.end <= BRIDGE_SECONDS) this.open.end = end;
    else {
      this.close();
      this.open = { start: t, end };
    }
  }

  private silent(t: number): void {
    if (this.open && t - this.open.end > BRIDGE_SECONDS) this.close();
  }

  private close(): void {
    const s = this.open;
    this.open = undefined;
    if (s && s.end - s.start >= MIN_SPEECH_SECONDS) this.spans.push(s);
  }
}
