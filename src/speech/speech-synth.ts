/** PCM, 16-bit signed little-endian mono, at `rate` Hz. */
export interface Pcm {
  pcm: Buffer;
  rate: number;
}

/** How a sentence may be said. */
export interface SynthesisOptions {
  /** The text must not leave the device (the console's pairing code): only an offline voice may say it. */
  offline?: boolean;
}

/** Turns one sentence into sound. */
export interface SpeechSynth {
  /** For the log ("openai gpt-4o-mini-tts alloy", "espeak-ng en-us"). */
  readonly name: string;
  synthesise(text: string, o?: SynthesisOptions): Promise<Pcm>;
}

/**
 * The cloud voice with the offline one behind it: a sentence the primary
 * cannot say (network, quota, timeout) is said by the fallback, and the
 * failure is reported once per streak so a dead network does not flood the log.
 */
export class FallbackSynth implements SpeechSynth {
  readonly name: string;
  private failing = false;

  constructor(
    private readonly primary: SpeechSynth,
    private readonly fallback: SpeechSynth,
    private readonly onFallback: (reason: string) => void,
  ) {
    this.name = `${primary.name} (fallback ${fallback.name})`;
  }

  async synthesise(text: string, o: SynthesisOptions = {}): Promise<Pcm> {
    if (o.offline) return this.fallback.synthesise(text, o);
    try {
      const out = await this.primary.synthesise(text);
      this.failing = false;
      return out;
    } catch (e) {
      if (!this.failing) this.onFallback(`${this.primary.name} failed, speaking with ${this.fallback.name}: ${e instanceof Error ? e.message : String(e)}`);
      this.failing = true;
      return this.fallback.synthesise(text);
    }
  }
}
