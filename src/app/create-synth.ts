import { openAIClient } from './thread-manager-factory';
import type { Config, Secrets } from '../config/config';
import { asSecretsSource, type SecretsSource } from '../config/secrets-file';
import { EspeakSynth } from '../speech/espeak-synth';
import { OpenAISpeechSynth } from '../speech/openai-speech-synth';
import { FallbackSynth, type SpeechSynth } from '../speech/speech-synth';

/** The configured voice: OpenAI's speech endpoint with espeak-ng behind it, or espeak-ng alone. */
export function createSynth(config: Config, secrets: Secrets | SecretsSource, onFallback: (reason: string) => void): SpeechSynth {
  const espeak = new EspeakSynth({ voice: config.speaker.voice, rate: config.speaker.rate });
  if (config.tts.engine === 'espeak') return espeak;
  const client = openAIClient(config, asSecretsSource(secrets));
  const cloud = new OpenAISpeechSynth({ client, model: config.tts.model, voice: () => config.tts.voice, format: config.tts.format, timeoutMs: config.tts.timeoutMs });
  return new FallbackSynth(cloud, espeak, onFallback);
}
