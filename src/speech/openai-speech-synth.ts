import type OpenAI from 'openai';
import { parseWav } from '../audio/wav';
import { valueNow, type Live } from '../live-value';
import { SpeakerError } from './speaker';
import type { Pcm, SpeechSynth, SynthesisOptions } from './speech-synth';

/** OpenAI's `pcm` format: 24 kHz, 16-bit signed little-endian, mono. */
export const OPENAI_PCM_RATE = 24000;

export interface OpenAISpeechOptions {
  client: OpenAI;
  model: string;
  /** Read at each sentence (the setup page may change it). */
  voice: Live<string>;
  format: 'pcm' | 'wav';
  timeoutMs: number;
}

/** One sentence through POST /audio/speech. */
export class OpenAISpeechSynth implements SpeechSynth {
  readonly name: string;
  constructor(private readonly o: OpenAISpeechOptions) {
    this.name = `openai ${o.model} ${valueNow(o.voice)}`;
  }

  async synthesise(text: string, o: SynthesisOptions = {}): Promise<Pcm> {
    if (o.offline) throw new SpeakerError('this line must not leave the device: it is said by the offline voice only');
    // No retries: a sentence late by a retry is worse than the same sentence in the offline voice now.
    const res = await this.o.client.audio.speech.create(
      { model: this.o.model, voice: valueNow(this.o.voice), input: text, response_format: this.o.format },
      { timeout: this.o.timeoutMs, maxRetries: 0 },
    );
    const body = Buffer.from(await res.arrayBuffer());
    if (this.o.format === 'pcm') {
      if (body.length % 2) throw new SpeakerError(`the speech endpoint sent ${body.length} bytes of pcm (not whole 16-bit samples)`);
      return { pcm: body, rate: OPENAI_PCM_RATE };
    }
    const wav = parseWav(body, 'speech endpoint WAV');
    if (wav.channels !== 1) throw new SpeakerError(`the speech endpoint sent ${wav.channels}-channel WAV; mono expected`);
    return { pcm: wav.pcm, rate: wav.sampleRate };
  }
}
