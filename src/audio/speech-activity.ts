import type { AudioChunk } from './audio-source';
import { SAMPLE_RATE } from './audio-source';

/** 10 ms frames. */
const FRAME_SAMPLES = 160;
const FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE;
/** Speech: this far over the noise floor and over an absolute floor (dB re 1 LSB^2, about -60 dBFS), as the reply gate judges it. */
const SPEECH_ABOVE_NOISE_DB = 12;
const SPEECH_MIN_DB = 30;
/** The floor: this quantile of the last NOISE_WINDOW frames, recomputed every NOISE_EVERY frames. */
const NOISE_QUANTILE = 0.05;
const NOISE_WINDOW = 1000;
const NOISE_EVERY = 50;
/** Silence shorter than this inside speech (between words, a stop consonant's closure) does not end a stretch of speech. */
const BRIDGE_SECONDS = 0.2;
/** A stretch of speech shorter than this is a click or a knock, not speech. */
const MIN_SPEECH_SECONDS = 0.06;

export interface SpeechSpan {
  start: number;
  end: number;
}

/**
 * Where the speech is, from the microphone's level against the room's noise floor: the stretches of speech
 * (words within BRIDGE_SECONDS of each other joined) on the shared clock. The turn logic asks it where a
 * question begins (speech running up to a moment without a pause longer than some limit), and the
 * transcription where to cut a question's audio (at its pauses).
 */
export class SpeechActivity {
  private readonly levels = new Float32Array(NOISE_WINDOW);
  private frames = 0;
  private acc = 0;
  private accN = 0;
  private frameStart = 0;
  private floor = -Infinity;
  private readonly spans: SpeechSpan[] = [];
  /** The stretch under way (its last speech frame's end so far), not yet closed by a long enough silence. */
  private open?: SpeechSpan;

  /** `muted`: the device itself is speaking; what the microphone hears then is nobody's question (and not the room's floor). */
  push(chunk: AudioChunk, muted = false): void {
    const n = chunk.pcm.length >> 1;
    for (let i = 0; i < n; i++) {
      if (this.accN === 0) this.frameStart = chunk.t + i / SAMPLE_RATE;
      const v = chunk.pcm.readInt16LE(i * 2);
      this.acc += v * v;
      if (++this.accN === FRAME_SAMPLES) {
        if (muted) this.silent(this.frameStart);
        else this.frame(10 * Math.log10(this.acc / FRAME_SAMPLES + 1e-3), this.frameStart);
        this.acc = 0;
        this.accN = 0;
      }
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

  private frame(db: number, t: number): void {
    this.levels[this.frames % NOISE_WINDOW] = db;
    this.frames++;
    if (this.frames % NOISE_EVERY === 0 || this.frames === 100) this.floor = this.quantile(NOISE_QUANTILE);
    // Before a second of the room has been heard its floor is unknown: the absolute floor alone decides.
    const threshold = Math.max(SPEECH_MIN_DB, this.frames >= 100 ? this.floor + SPEECH_ABOVE_NOISE_DB : -Infinity);
    const end = t + FRAME_SECONDS;
    if (db >= threshold) {
      if (this.open && t - this.open.end <= BRIDGE_SECONDS) this.open.end = end;
      else {
        this.close();
        this.open = { start: t, end };
      }
    } else if (this.open && t - this.open.end > BRIDGE_SECONDS) {
      this.close();
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

  private quantile(p: number): number {
    const n = Math.min(this.frames, NOISE_WINDOW);
    const vals = this.levels.slice(0, n).sort();
    return vals[Math.min(n - 1, Math.floor(p * (n - 1)))]!;
  }
}
