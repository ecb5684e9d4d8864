import type { Clock } from '../clock';
import type { PlaybackReference } from '../audio/playback-reference';
import { Player } from './player';
import type { RoomSpeaker, SpokenAnswer } from './speaker';
import type { SpeechSynth } from './speech-synth';

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
  /** The device's one player, shared with the cues; its own if unset. */
  player?: Player;
}

/**
 * The answer's sentences are synthesised as they arrive (the next while the
 * current one plays) and queued in order on the player, whose aplay starts with
 * the first sentence's sound. A failing device does not stop the answer: the text
 * is still consumed (and logged by the turn), the failure reported once.
 */
export class AplaySpeaker implements RoomSpeaker {
  readonly player: Player;

  constructor(private readonly o: AplaySpeakerOptions) {
    this.player = o.player ?? new Player({ clock: o.clock, ...(o.device ? { device: o.device } : {}), ...(o.env ? { env: o.env } : {}), ...(o.echo ? { echo: o.echo } : {}) });
  }

  async speak(sentences: AsyncIterable<string>, o: { offline?: boolean } = {}): Promise<SpokenAnswer> {
    const voice = this.player.voice((m) => this.o.onError?.(m));
    let count = 0;
    let chain: Promise<void> = Promise.resolve();
    try {
      for await (const sentence of sentences) {
        count++;
        if (voice.silenced) continue;
        const audio = this.o.synth.synthesise(sentence, o);
        audio.catch(() => undefined); // handled in order below
        chain = chain.then(async () => {
          try {
            const a = await audio;
            voice.play(a.pcm, a.rate);
          } catch (e) {
            // Not the sentence itself: it may be the console's pairing code.
            this.o.onError?.(`could not synthesise a sentence of ${sentence.length} characters: ${e instanceof Error ? e.message : String(e)}`);
          }
        });
      }
      await chain;
    } finally {
      // Also when the answer's stream broke off: what was queued plays out, then the player goes on to the next sound.
      void voice.end();
    }
    const out = await voice.end();
    return { sentences: count, ...out };
  }

  stop(): void {
    this.player.stop();
  }

  playingDuring(from: number, to: number): boolean {
    return this.player.playingDuring(from, to);
  }
}
