import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { AssistantError } from './thread-manager';

export const ASSISTANTS_RETIRED_HINT =
  'OpenAI retired the Assistants API (threads, runs) on 2026-08-26; switch to the Conversations + Responses API with api = "responses" in the config';

/** One line a person can act on, for any failure the OpenAI client raises. Never includes the key. */
export function describeApiError(e: unknown, baseURL: string, what: string, assistantsEndpoint = false): AssistantError {
  if (e instanceof AssistantError) return e;
  // The client's apiKey function said why there is no key (MissingKeyError); the client wraps it.
  if (e instanceof Error && e.cause instanceof AssistantError) return e.cause;
  if (e instanceof APIConnectionTimeoutError) return new AssistantError(`${what}: the OpenAI API at ${baseURL} did not answer in time`, 'retry');
  if (e instanceof APIConnectionError) {
    const cause = (e.cause as NodeJS.ErrnoException | undefined)?.code ?? (e.cause as Error | undefined)?.message ?? e.message;
    return new AssistantError(`${what}: cannot reach the OpenAI API at ${baseURL} (${cause})`, 'retry');
  }
  if (e instanceof APIError) {
    const apiMsg = (e.error as { message?: string } | undefined)?.message ?? e.message;
    const msg = oneLine(apiMsg);
    switch (e.status) {
      case 401:
        return new AssistantError(`${what}: the OpenAI API refused the API key (401): ${msg}`, 'refused');
      case 403:
        return new AssistantError(`${what}: the OpenAI API forbids this (403): ${msg}`, 'refused');
      case 404:
        if (assistantsEndpoint) return new AssistantError(`${what}: ${baseURL} has no Assistants API (404). ${ASSISTANTS_RETIRED_HINT}`, 'refused');
        return new AssistantError(`${what}: not found (404): ${msg}`);
      case 429:
        return new AssistantError(`${what}: rate limited or out of quota (429): ${msg}`, 'retry', retryAfterSeconds(e.headers));
      default: {
        const retryable = e.status === undefined || e.status === 408 || e.status === 409 || e.status >= 500;
        return new AssistantError(`${what}: the OpenAI API answered ${e.status ?? 'an error'}: ${msg}`, retryable ? 'retry' : 'failed', retryAfterSeconds(e.headers));
      }
    }
  }
  if (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError')) return new AssistantError(`${what}: ${oneLine(e.message)}`, 'retry');
  if (isBrokenConnection(e)) return new AssistantError(`${what}: the connection to ${baseURL} broke (${brokenWhy(e)})`, 'retry');
  return new AssistantError(`${what}: ${oneLine(e instanceof Error ? e.message : String(e))}`);
}

/** `retry-after-ms` (OpenAI's own), then `retry-after` in seconds or as an HTTP date. */
export function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms / 1000;
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

/**
 * A body cut off mid-way surfaces from fetch as a bare TypeError('terminated')
 * with the socket error as its cause, not as one of the client's own error classes.
 */
function isBrokenConnection(e: unknown): e is Error {
  if (!(e instanceof Error)) return false;
  const code = (e.cause as NodeJS.ErrnoException | undefined)?.code ?? (e as NodeJS.ErrnoException).code;
  return e.message === 'terminated' || (typeof code === 'string' && /^(ECONNRESET|EPIPE|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_)/.test(code));
}

function brokenWhy(e: Error): string {
  const cause = e.cause as NodeJS.ErrnoException | undefined;
  return cause?.code ?? (e as NodeJS.ErrnoException).code ?? e.message;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 300);
}
