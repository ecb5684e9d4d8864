import { setTimeout as sleep } from 'node:timers/promises';
import { RetryPolicy } from '../retry/retry-policy';
import { AssistantError } from './thread-manager';

/** A look at the server soon after the stream broke, then less often: 250 ms doubling up to 2 s. */
const POLL_BACKOFF = new RetryPolicy({ firstMs: 250, maxMs: 2000 });

/**
 * The looks at something the server finishes by itself (a run, a response),
 * for a `for await` loop whose body looks once and returns when it is done:
 * the first look is at once, each next one after the backoff's wait, and when
 * that wait would pass `timeoutMs` the loop ends with a retryable
 * AssistantError saying `timedOut`. Yields the look's number (1 = the first).
 */
export async function* pollUntilDone(timeoutMs: number, timedOut: string, backoff: RetryPolicy = POLL_BACKOFF): AsyncGenerator<number> {
  const deadline = Date.now() + timeoutMs;
  for (let look = 1; ; look++) {
    yield look;
    const wait = backoff.delayMs(look);
    if (Date.now() + wait > deadline) throw new AssistantError(timedOut, 'retry');
    await sleep(wait);
  }
}
