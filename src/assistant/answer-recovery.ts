import type { AnswerEvent, AssistantError } from './thread-manager';

/**
 * Where a question stands among a conversation's recent items (newest first,
 * as the API lists them): its item, and what came after it in order; undefined
 * when it never arrived.
 */
export function findQuestion<I>(newestFirst: readonly I[], isQuestion: (item: I) => boolean): { item: I; after: I[] } | undefined {
  const at = newestFirst.findIndex(isQuestion);
  if (at < 0) return undefined;
  return { item: newestFirst[at]!, after: newestFirst.slice(0, at).reverse() };
}

/** The part of the server's whole answer the stream had not delivered yet; all of it when the two disagree. */
export function unspokenRest(full: string, spoken: string): string {
  return full.startsWith(spoken) ? full.slice(spoken.length) : full;
}

/** Ends an answer the server holds in full, of which `spoken` was already passed on. */
export async function* finishFromServer(full: string, spoken = ''): AsyncGenerator<AnswerEvent> {
  const rest = unspokenRest(full, spoken);
  if (rest) yield { type: 'text-delta', text: rest };
  yield { type: 'done', text: spoken + rest };
}

/**
 * After the answer stream failed: follow the answer on the server (returns
 * true) only when the server took the request (`ref`) and the connection
 * broke; a refusal, or an answer the server itself ended, goes back to the
 * caller as the failure.
 */
export function followOnServer(failure: AssistantError, ref: string | undefined, serverEnded: boolean): ref is string {
  return ref !== undefined && failure.retryable && !serverEnded;
}
