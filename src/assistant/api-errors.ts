import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { AssistantError } from './thread-manager';

export const ASSISTANTS_RETIRED_HINT =
  'OpenAI retired the Assistants API (threads, runs) on 2026-08-26; switch to the Conversations + Responses API with api = "responses" in the config';

/** One line a person can act on, for any failure the OpenAI client raises. Never includes the key. */
export function describeApiError(e: unknown, baseURL: string, what: string, assistantsEndpoint = false): AssistantError {
  if (e instanceof AssistantError) return e;
  if (e instanceof APIConnectionTimeoutError) return new AssistantError(`${what}: the OpenAI API at ${baseURL} did not answer in time`);
  if (e instanceof APIConnectionError) {
    const cause = (e.cause as NodeJS.ErrnoException | undefined)?.code ?? (e.cause as Error | undefined)?.message ?? e.message;
    return new AssistantError(`${what}: cannot reach the OpenAI API at ${baseURL} (${cause})`);
  }
  if (e instanceof APIError) {
    const apiMsg = (e.error as { message?: string } | undefined)?.message ?? e.message;
    const msg = oneLine(apiMsg);
    switch (e.status) {
      case 401:
        return new AssistantError(`${what}: the OpenAI API refused the API key (401): ${msg}`);
      case 403:
        return new AssistantError(`${what}: the OpenAI API forbids this (403): ${msg}`);
      case 404:
        if (assistantsEndpoint) return new AssistantError(`${what}: ${baseURL} has no Assistants API (404). ${ASSISTANTS_RETIRED_HINT}`);
        return new AssistantError(`${what}: not found (404): ${msg}`);
      case 429:
        return new AssistantError(`${what}: rate limited or out of quota (429): ${msg}`);
      default:
        return new AssistantError(`${what}: the OpenAI API answered ${e.status ?? 'an error'}: ${msg}`);
    }
  }
  return new AssistantError(`${what}: ${oneLine(e instanceof Error ? e.message : String(e))}`);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 300);
}
