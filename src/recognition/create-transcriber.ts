import { openAIClient } from '../app/thread-manager-factory';
import type { Config, Secrets } from '../config/config';
import { asSecretsSource, type SecretsSource } from '../config/secrets-file';
import { CloudTranscriber } from './cloud-transcriber';
import type { CommandRules } from './command-words';

/** The cloud transcriber when `transcription.enabled`, else none (the offline text is the question). */
export function createTranscriber(config: Config, secrets: Secrets | SecretsSource, rules: CommandRules, onFallback: (reason: string) => void): CloudTranscriber | undefined {
  if (!config.transcription.enabled) return undefined;
  const client = openAIClient(config, asSecretsSource(secrets));
  return new CloudTranscriber({ client, model: config.transcription.model, timeoutMs: config.transcription.timeoutMs, backoffMs: config.uploads.backoffMs, rules, onFallback });
}
