import { openAIClient } from './thread-manager-factory';
import type { Config, Secrets } from '../config/config';
import { keyDefault } from '../config/key-default';
import { asSecretsSource, type SecretsSource } from '../config/secrets-file';
import { EspeakSynth } from '../speech/espeak-synth';
import { OpenAISpeechSynth } from '../speech/openai-speech-synth';
import { FallbackSynth, type SpeechSynth } from '../speech/speech-synth';

/** `tts.engine`, or when it is not set: OpenAI's voice when an OpenAI key is configured (now), else espeak-ng. */
export function speechEngine(config: Config, secrets: Secrets | SecretsSource): 'openai' | 'espeak' {
  return keyDefault(config.tts.engine, secrets, 'openai', 'espeak');
}

/** The configured voice: OpenAI's speech endpoint with espeak-ng behind it, or espeak-ng alone. */
export function createSynth(config: Config, secrets: Secrets | SecretsSource, onFallback: (reason: string) => void): SpeechSynth {
  const espeak = new EspeakSynth({ voice: config.speaker.voice, rate: config.speaker.rate });
  if (speechEngine(config, secrets) === 'espeak') return espeak;
  const client = openAIClient(config, asSecretsSource(secrets));
  const cloud = new OpenAISpeechSynth({ client, model: config.tts.model, voice: () => config.tts.voice, format: config.tts.format, timeoutMs: config.tts.timeoutMs });
  return new FallbackSynth(cloud, espeak, onFallback);
}
