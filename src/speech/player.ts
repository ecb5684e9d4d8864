import type { Clock } from '../clock';
import { SAMPLE_RATE } from '../audio/audio-source';
import type { PlaybackReference } from '../audio/playback-reference';
import { resamplePcm } from '../audio/resample';
import { parseWav } from '../audio/wav';
import { AplayStream, PLAYBACK_RATE } from './aplay-stream';
import { SpeakerError, type SoundPlayer } from './speaker';

export interface PlayerOptions {
  /** ALSA playback device; `default` if unset. */
  device?: string;
  /** The audio clock, for `playingDuring` and the echo reference. */
  clock: Clock;
  /** aplay's environment; the service's own if unset. */
  env?: NodeJS.ProcessEnv;
  /** Where what is played is recorded, on `clock`, for the echo canceller: every sound, cues included. */
  echo?: PlaybackReference;
}

/** How a voice's playback ended. */
export interface VoiceResult {
  /** performance.now() when its first sample went to the device. */
  firstAudioAt?: number;
  interrupted?: boolean;
  failed?: string;
}

/** One voice's place in the player's queue (an answer, an announcement): its sounds play in order. */
export interface Voice {
  /** Queues `pcm` (S16_LE mono at `rate`); ignored once stopped or failed. */
  play(pcm: Buffer, rate: number): void;
  /** Stopped or failed: nothing more of it will sound (no need to synthesise more). */
  readonly silenced: boolean;
  /** No more sound: resolves once what was queued has played (or the voice was stopped, or failed). */
  end(): Promise<VoiceResult>;
}

interface Sound {
  pcm: Buffer;
  rate: number;
}

interface Track {
  cue: boolean;
  pending: Sound[];
  /** No more sound will come. */
  ended: boolean;
  stopped: boolean;
  failed?: string;
  firstAudioAt?: number;
  settle: () => void;
  done: Promise<void>;
  onFail?: (message: string) => void;
}

/** Playing intervals remembered for the barge-in gate (the recogniser reports words a little late). */
const KEEP_INTERVALS = 16;

/**
 * Everything the device plays goes through here: one ordered queue, one `aplay` at a time (a plain `hw:` device
 * takes one stream; a second open fails with "Device or resource busy", and with dmix two would talk over each
 * other). Voices play in the order asked, each in one `aplay` (its sentences follow without gaps).
 *
 * A cue plays as soon as the player is between two sounds: at once when nothing sounds (even if a voice is
 * queued, waiting for its first sentence or for the model's answer), else right after the sentence or cue
 * sounding now, in the same stream. A cue marks a moment (the picture taken, the question gone, a fault), so an
 * owner expects it then, not after a long answer; mixing it over a word would make both hard to hear, and a
 * sentence lasts a few seconds at most. Sound is handed to aplay one piece at a time as its pipe drains, so
 * "the sentence sounding now" is what aplay already holds, not the whole answer.
 *
 * `stop()` silences everything at once: the aplay is killed and every voice and cue asked before it dropped.
 */
export class Player implements SoundPlayer {
  private readonly voices: Track[] = [];
  private readonly cues: Track[] = [];
  private stream?: AplayStream;
  /** The tracks with sound in the open stream. */
  private inStream = new Set<Track>();
  /** When the open stream's first sound was handed over (for the echo reference on failure). */
  private handedFrom?: number;
  /** When the open stream began to carry a voice (the barge-in gate hears voices, not cues). */
  private voiceSince?: number;
  private readonly intervals: Array<{ from: number; to: number }> = [];
  private running = false;
  private wake?: () => void;

  constructor(private readonly o: PlayerOptions) {}

  /** A new voice, queued behind those asked before it; `onFail` hears once why its sound could not play. */
  voice(onFail?: (message: string) => void): Voice {
    const t = this.track(false, onFail);
    this.voices.push(t);
    const changed = () => this.changed();
    return {
      play(pcm, rate) {
        if (t.stopped || t.failed || t.ended) return;
        t.pending.push({ pcm, rate });
        changed();
      },
      get silenced() {
        return t.stopped || !!t.failed;
      },
      end: async () => {
        t.ended = true;
        this.changed();
        await t.done;
        return { ...(t.firstAudioAt !== undefined ? { firstAudioAt: t.firstAudioAt } : {}), ...(t.stopped ? { interrupted: true } : {}), ...(t.failed ? { failed: t.failed } : {}) };
      },
    };
  }

  /** A whole WAV (a cue; calibration's prompt), between two sounds (see above); resolves once played or stopped, rejects if it could not play. */
  async play(wav: Buffer): Promise<void> {
    const { pcm, sampleRate } = parseWav(wav, 'sound');
    const t = this.track(true);
    t.pending.push({ pcm, rate: sampleRate });
    t.ended = true;
    this.cues.push(t);
    this.changed();
    await t.done;
    if (t.failed) throw new SpeakerError(t.failed);
  }

  /** Silence now (barge-in): the sound in aplay and everything queued goes. */
  stop(): void {
    if (this.stream) this.o.echo?.cut(this.o.clock.now());
    for (const t of [...this.voices, ...this.cues]) {
      t.stopped = true;
      t.pending = [];
    }
    // Waiting cues are done with now; a voice settles at its end() (its text is still being read to the end).
    for (const t of this.cues.splice(0)) t.settle();
    this.stream?.kill();
    this.changed();
  }

  /** Was a voice playing at any moment of [from, to] (seconds on the audio clock)? Cues do not count: the echo canceller takes them out, and words said over a click are the user's. */
  playingDuring(from: number, to: number): boolean {
    if (this.voiceSince !== undefined && to >= this.voiceSince) return true;
    return this.intervals.some((i) => from <= i.to && to >= i.from);
  }

  private track(cue: boolean, onFail?: (message: string) => void): Track {
    let settle!: () => void;
    const done = new Promise<void>((r) => (settle = r));
    return { cue, pending: [], ended: false, stopped: false, done, settle, ...(onFail ? { onFail } : {}) };
  }

  private changed(): void {
    if (this.wake) {
      const w = this.wake;
      this.wake = undefined;
      w();
    }
    if (this.running) return;
    this.running = true;
    this.run().catch((e: Error) => {
      // Not expected (aplay's own failures are the tracks'): whatever was queued is told, and the next sound starts afresh.
      this.running = false;
      this.stream?.kill();
      this.stream = undefined;
      this.inStream = new Set();
      this.voiceSince = undefined;
      for (const t of [...this.voices.splice(0), ...this.cues.splice(0)]) {
        t.failed = `player: ${e.message}`;
        t.onFail?.(t.failed);
        t.settle();
      }
    });
  }

  private nextChange(): Promise<void> {
    return new Promise((r) => (this.wake = r));
  }

  private async run(): Promise<void> {
    for (;;) {
      const head = this.voices[0];
      // A voice done with the player: all it had has played (its stream closed), or it had none.
      if (head && head.ended && !head.pending.length && !this.inStream.has(head)) {
        this.voices.shift();
        head.settle();
        continue;
      }
      const cue = this.cues[0];
      const track = cue ?? (head?.pending.length ? head : undefined);
      if (track) {
        const sound = track.pending.shift()!;
        if (track === cue) this.cues.shift();
        await this.hand(track, sound);
        continue;
      }
      if (this.stream) {
        // Nothing to hand over now: the device is kept while the voice it plays may go on (no gap between its
        // sentences), else aplay plays out what it holds and exits.
        if (head && this.inStream.has(head) && !head.ended && !this.stream.spent) await this.nextChange();
        else await this.close();
        continue;
      }
      if (!head) {
        // Cleared here, not in a later callback: a sound asked from now on starts the loop again.
        this.running = false;
        return;
      }
      await this.nextChange();
    }
  }

  /** Hands `sound` to the open aplay (opening one if there is none), and waits until aplay has room again. */
  private async hand(track: Track, sound: Sound): Promise<void> {
    if (this.stream?.spent) await this.close();
    if (track.failed || track.stopped) return;
    const now = this.o.clock.now();
    if (!this.stream) {
      const stream = new AplayStream(this.o.device, this.o.env);
      this.stream = stream;
      this.handedFrom = now;
      // A failed or killed aplay wakes the loop, which may be waiting for more of a voice.
      void stream.exited.then(() => this.changed());
    }
    if (!track.cue) this.voiceSince ??= now;
    this.inStream.add(track);
    track.firstAudioAt ??= performance.now();
    // From the sound itself at the microphone's rate: one resampling, not a second one of the playback copy.
    this.o.echo?.append(resamplePcm(sound.pcm, sound.rate, SAMPLE_RATE), now);
    await this.stream.write(resamplePcm(sound.pcm, sound.rate, PLAYBACK_RATE));
  }

  /** Ends the open aplay: resolves once it has played what it holds (or failed: its tracks are told). */
  private async close(): Promise<void> {
    const stream = this.stream!;
    const failure = await stream.end().then(
      () => undefined,
      (e: Error) => e.message,
    );
    // Nothing played, or nothing more will: the echo canceller must not expect (and suppress) an echo of it.
    if (failure) {
      if (this.handedFrom !== undefined) this.o.echo?.cut(this.handedFrom);
    } else {
      this.o.echo?.closed(this.o.clock.now());
    }
    if (this.voiceSince !== undefined) {
      this.intervals.push({ from: this.voiceSince, to: this.o.clock.now() });
      if (this.intervals.length > KEEP_INTERVALS) this.intervals.shift();
    }
    const tracks = [...this.inStream];
    this.stream = undefined;
    this.inStream = new Set();
    this.handedFrom = undefined;
    this.voiceSince = undefined;
    for (const t of tracks) {
      if (failure && !t.stopped && !t.failed) {
        t.failed = failure;
        t.pending = [];
        t.onFail?.(failure);
      }
      if (t.cue) t.settle();
    }
  }
}
