import type { RecognitionEvent } from './recogniser';
import { USER_OVER_ECHO_DB, type RoomEcho } from './room-echo';

/**
 * A word heard while the speaker plays is the device's own voice when the echo canceller took most of its
 * energy away: over the word's frames, the cancelled audio stands this much (or more) under what the microphone
 * heard (the user's voice is not in the reference, so the canceller leaves it)...
 */
export const OWN_VOICE_REMOVED_DB = 6;
/**
 * Once the canceller has converged, a word standing less than this over the room's echo is still the device's:
 * its own words stood -2.3 to +1.1 dB over it on the tuning voices, a user as loud as the echo about 3 dB.
 */
const CONVERGED_OVER_ECHO_DB = 2;
/**
 * The canceller has converged when it took this much out of what the microphone heard over the CONVERGED_SECONDS
 * before the word (with at least CONVERGED_MIN_SECONDS of playback in them): then its word is the judge, and a
 * user as loud as the echo (removed about 3 dB) is still heard. Before that, the room's echo is.
 */
const CONVERGED_DB = 10;
const CONVERGED_SECONDS = 1;
const CONVERGED_MIN_SECONDS = 0.3;
/** Frames kept: longer than any command word, the time before it and the engine's delay in reporting it. */
const KEEP_SECONDS = 4;

/**
 * Drops keyword events that are the device's own voice: the canceller removed OWN_VOICE_REMOVED_DB or more of
 * the word; or the microphone stood less than USER_OVER_ECHO_DB over the echo the room gives what played
 * (CONVERGED_OVER_ECHO_DB once the canceller has converged: CONVERGED_DB). The canceller needs a second or so to
 * follow a new answer, and until then removes little; the room's loudness already says what the echo alone
 * would be. The cleaner notes each frame's energy as heard, after
 * cancelling and as played, while the speaker plays; words outside playback pass untouched. Engine-independent:
 * a learned detector hears "snapshot" in the canceller's residue of an answer that says "snapshot" (or "shop")
 * as readily as in the user's voice.
 */
export class OwnVoiceFilter {
  /** Events dropped as the device's own voice (diagnostics). */
  dropped = 0;
  private t: number[] = [];
  private heard: number[] = [];
  private kept: number[] = [];
  private played: number[] = [];
  private seconds: number[] = [];

  constructor(private readonly room: RoomEcho) {}

  /** A frame from `t` to `t + seconds` during playback: the microphone's samples, what the canceller left, what played. */
  note(t: number, seconds: number, mic: Int16Array, cancelled: Int16Array, reference: Int16Array): void {
    const heard = energy(mic);
    const played = energy(reference);
    this.room.learn(heard, played, mic.length);
    this.t.push(t + seconds / 2);
    this.seconds.push(seconds);
    this.heard.push(heard);
    this.kept.push(energy(cancelled));
    this.played.push(played);
    let old = 0;
    while (old < this.t.length && this.t[old]! < t - KEEP_SECONDS) old++;
    if (old > 256) {
      this.t = this.t.slice(old);
      this.heard = this.heard.slice(old);
      this.kept = this.kept.slice(old);
      this.played = this.played.slice(old);
      this.seconds = this.seconds.slice(old);
    }
  }

  /**
   * Over the span [start, end]: how far the canceller took it down, and how far the microphone stood over the
   * echo the room gives what played (dB; undefined when nothing played then, or the room is not known yet).
   */
  judge(start: number, end: number): { removedDb: number; overEchoDb: number | undefined; converged: boolean } | undefined {
    const word = this.sums(start, end);
    if (!word.frames || word.heard === 0) return undefined;
    const gain = this.room.gainDb();
    const echo = gain === undefined ? undefined : word.played * 10 ** (gain / 10);
    const before = this.sums(start - CONVERGED_SECONDS, start);
    return {
      removedDb: removed(word),
      overEchoDb: echo === undefined ? undefined : 10 * Math.log10(word.heard / Math.max(echo, 1e-9)),
      converged: before.seconds >= CONVERGED_MIN_SECONDS && removed(before) >= CONVERGED_DB,
    };
  }

  /** Energies over the frames in [from, to]: as heard, as the canceller left them, as played. */
  private sums(from: number, to: number): { heard: number; kept: number; played: number; frames: number; seconds: number } {
    const s = { heard: 0, kept: 0, played: 0, frames: 0, seconds: 0 };
    for (let i = this.t.length - 1; i >= 0 && this.t[i]! >= from; i--) {
      if (this.t[i]! > to) continue;
      s.heard += this.heard[i]!;
      s.kept += this.kept[i]!;
      s.played += this.played[i]!;
      s.frames++;
      s.seconds += this.seconds[i]!;
    }
    return s;
  }

  /** The events that are not the device's own voice. */
  filter(events: RecognitionEvent[]): RecognitionEvent[] {
    if (!this.t.length) return events;
    return events.filter((e) => {
      if (e.type !== 'keyword') return true;
      const j = this.judge(e.start, e.end);
      const overEcho = j?.converged ? CONVERGED_OVER_ECHO_DB : USER_OVER_ECHO_DB;
      if (!j || (j.removedDb < OWN_VOICE_REMOVED_DB && (j.overEchoDb === undefined || j.overEchoDb >= overEcho))) return true;
      this.dropped++;
      return false;
    });
  }
}

function removed(s: { heard: number; kept: number }): number {
  return s.heard > 0 ? 10 * Math.log10(s.heard / Math.max(s.kept, 1e-9)) : 0;
}

function energy(x: Int16Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
}
