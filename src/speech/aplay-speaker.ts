import { spawn } from 'node:child_process';
import type { Clock } from '../clock';
import { SAMPLE_RATE } from '../audio/audio-source';
import type { PlaybackReference } from '../audio/playback-reference';
import { resamplePcm } from '../audio/resample';
import { lastLineOf } from '../process/last-line';
import { AplayStream, PLAYBACK_RATE } from './aplay-stream';
import { SpeakerError, type RoomSpeaker, type SpokenAnswer } from './speaker';
import type { SpeechSynth } from './speech-synth';

/** Plays a WAV through `aplay`; resolves when playback has finished (the cues). */
export function aplay(wav: Buffer, device?: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-q'];
    if (device) args.push('-D', device);
    args.push('-');
    const p = spawn('aplay', args, { stdio: ['pipe', 'ignore', 'pipe'], env });
    const lastErr = lastLineOf(p.stderr);
    p.on('error', (e) => reject(new SpeakerError(`cannot run aplay: ${e.message}`)));
    p.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new SpeakerError(`aplay failed on device ${device ?? 'default'} (exit ${code}): ${lastErr()}`));
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(wav);
  });
}

export interface AplaySpeakerOptions {
  /** ALSA playback device; `default` if unset. */
  device?: string;
  synth: SpeechSynth;
  /** The audio clock, for `playingDuring`. */
  clock: Clock;
  /** A sentence that could not be synthesised, or playback that failed (the answer goes on in the log). */
  onError?: (message: string) => void;
  /** aplay's environment; the service's own if unset. */
  env?: NodeJS.ProcessEnv;
  /** Where what is played is recorded, on `clock`, for the echo canceller. */
  echo?: PlaybackReference;
}

interface Session {
  stopped: boolean;
  player?: AplayStream;
  /** When its first sound was handed over (for the echo reference). */
  handedFrom?: number;
}

/** Playing intervals remembered for the barge-in gate (the recogniser reports words a little late). */
const KEEP_INTERVALS = 16;

/**
 * The answer's sentences are synthesised as they arrive (the next while the
 * current one plays) and fed in order into one `aplay`, which starts with the
 * first sentence's sound. A failing device does not stop the answer: the text
 * is still consumed (and logged by the turn), the failure reported once.
 */
export class AplaySpeaker implements RoomSpeaker {
  private readonly sessions = new Set<Session>();
  private readonly intervals: Array<{ from: number; to: number }> = [];
  private openPlayers = 0;
  private openedAt = 0;

  constructor(private readonly o: AplaySpeakerOptions) {}

  async speak(sentences: AsyncIterable<string>, o: { offline?: boolean } = {}): Promise<SpokenAnswer> {
    const session: Session = { stopped: false };
    this.sessions.add(session);
    let count = 0;
    let failed: string | undefined;
    let firstAudioAt: number | undefined;
    const fail = (message: string) => {
      if (failed) return;
      failed = message;
      // Nothing played: the echo canceller must not expect (and suppress) an echo of it.
      if (session.handedFrom !== undefined) this.o.echo?.cut(session.handedFrom);
      this.o.onError?.(message);
    };
    let chain: Promise<void> = Promise.resolve();
    try {
      for await (const sentence of sentences) {
        count++;
        if (session.stopped || failed) continue;
        const audio = this.o.synth.synthesise(sentence, o);
        audio.catch(() => undefined); // handled in order below
        chain = chain.then(async () => {
          let a: Awaited<typeof audio>;
          let pcm: Buffer;
          try {
            a = await audio;
            pcm = resamplePcm(a.pcm, a.rate, PLAYBACK_RATE);
          } catch (e) {
            // Not the sentence itself: it may be the console's pairing code.
            this.o.onError?.(`could not synthesise a sentence of ${sentence.length} characters: ${e instanceof Error ? e.message : String(e)}`);
            return;
          }
          if (session.stopped || failed) return;
          session.player ??= this.open();
          if (session.player.failure) return fail(session.player.failure);
          session.player.write(pcm);
          const handedAt = this.o.clock.now();
          session.handedFrom ??= handedAt;
          // From the synthesised sound itself: one resampling, not a second one of the playback copy.
          this.o.echo?.append(resamplePcm(a.pcm, a.rate, SAMPLE_RATE), handedAt);
          // The turn's timings line: first token to first sound (the first sample handed to aplay).
          firstAudioAt ??= performance.now();
        });
      }
      await chain;
      if (session.player) {
        await session.player.end().catch((e: Error) => fail(e.message));
        this.closed();
        session.player = undefined;
      }
    } finally {
      this.sessions.delete(session);
      // The answer's stream broke off: what was handed over plays out, and then the player no longer counts as
      // playing (the barge-in gate) and aplay exits, instead of both waiting for more sound forever.
      if (session.player) {
        void session.player
          .end()
          .catch(() => undefined)
          .then(() => this.closed());
      }
    }
    return { sentences: count, ...(firstAudioAt !== undefined ? { firstAudioAt } : {}), ...(session.stopped ? { interrupted: true } : {}), ...(failed ? { failed } : {}) };
  }

  stop(): void {
    if (this.sessions.size > 0) this.o.echo?.cut(this.o.clock.now());
    for (const s of this.sessions) {
      s.stopped = true;
      s.player?.kill();
    }
  }

  playingDuring(from: number, to: number): boolean {
    if (this.openPlayers > 0 && to >= this.openedAt) return true;
    return this.intervals.some((i) => from <= i.to && to >= i.from);
  }

  private open(): AplayStream {
    if (this.openPlayers++ === 0) this.openedAt = this.o.clock.now();
    return new AplayStream(this.o.device, this.o.env);
  }

  private closed(): void {
    if (--this.openPlayers > 0) return;
    this.intervals.push({ from: this.openedAt, to: this.o.clock.now() });
    if (this.intervals.length > KEEP_INTERVALS) this.intervals.shift();
  }
}
