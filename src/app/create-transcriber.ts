import { openAIClient } from './thread-manager-factory';
import type { Config, Secrets } from '../config/config';
import { keyDefault } from '../config/key-default';
import { asSecretsSource, type SecretsSource } from '../config/secrets-file';
import { CloudTranscriber } from '../recognition/cloud-transcriber';
import type { CommandRules } from '../recognition/command-words';

/** `transcription.mode`, or when it is not set: cloud when an OpenAI key is configured (now), else offline. */
export function transcriptionMode(config: Config, secrets: Secrets | SecretsSource): 'cloud' | 'offline' {
  return keyDefault(config.transcription.mode, secrets, 'cloud', 'offline');
}

/** The cloud transcriber in cloud mode, else none (the offline text is the question). */
export function createTranscriber(config: Config, secrets: Secrets | SecretsSource, rules: CommandRules, onFallback: (reason: string) => void): CloudTranscriber | undefined {
  if (transcriptionMode(config, secrets) !== 'cloud') return undefined;
  const client = openAIClient(config, asSecretsSource(secrets));
  return new CloudTranscriber({
    client,
    model: config.transcription.model,
    ...(config.transcription.language ? { language: config.transcription.language } : {}),
    timeoutMs: config.transcription.timeoutMs,
    backoffMs: config.uploads.backoffMs,
    concurrency: config.transcription.concurrency,
    maxPieceSeconds: config.spool.maxQuestionSeconds,
    rules,
    onFallback,
  });
}
