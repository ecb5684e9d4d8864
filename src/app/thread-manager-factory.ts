import { join } from 'node:path';
import OpenAI from 'openai';
import type { Logger } from 'pino';
import { AssistantsThreadManager, type AssistantsSession } from '../assistant/assistants-thread-manager';
import type { ThreadManager } from '../assistant/thread-manager';
import { AssistantError } from '../assistant/thread-manager';
import { ZapierHookTool } from '../assistant/zapier-tool';
import type { Config, Secrets } from '../config/config';
import { JsonStateFile } from '../spool/json-state-file';

/** A key is needed except against a test double on this machine, which accepts any. */
export function apiKeyFor(baseURL: string, secrets: Secrets): string {
  if (secrets.openaiApiKey) return secrets.openaiApiKey;
  const host = new URL(baseURL).hostname;
  if (host === '127.0.0.1' || host === 'localhost' || host === '[::1]') return 'local-test-double';
  throw new AssistantError(`OPENAI_API_KEY is not set (needed for ${baseURL})`);
}

export function createThreadManager(config: Config, secrets: Secrets, log: Logger): ThreadManager {
  const client = new OpenAI({
    apiKey: apiKeyFor(config.openai.baseURL, secrets),
    baseURL: config.openai.baseURL,
    timeout: config.openai.timeoutMs,
    maxRetries: 2,
  });
  const tool = new ZapierHookTool({ hookUrl: secrets.zapierHookUrl, timeoutMs: config.zapier.timeoutMs });
  if (config.api === 'responses') {
    throw new AssistantError('api = "responses" (Conversations + Responses) is not built yet; use api = "assistants" against a server that offers it');
  }
  return new AssistantsThreadManager({
    client,
    model: config.openai.model,
    instructions: config.openai.instructions,
    detail: config.openai.detail,
    assistantId: config.openai.assistantId,
    tool,
    session: new JsonStateFile<AssistantsSession>(join(config.stateDir, 'assistants-session.json')),
    log,
  });
}
