import type { Secrets } from './config';
import { asSecretsSource, type SecretsSource } from './secrets-file';

/**
 * A setting whose default follows the OpenAI key: what was configured, else `withKey` when a key is set (now),
 * else `withoutKey`. transcription.mode and tts.engine both default to the cloud this way.
 */
export function keyDefault<T>(configured: T | undefined, secrets: Secrets | SecretsSource, withKey: T, withoutKey: T): T {
  return configured ?? (asSecretsSource(secrets).current().openaiApiKey ? withKey : withoutKey);
}
