import { setTimeout as sleep } from 'node:timers/promises';

/** What a failed attempt says about trying again. */
export interface Failure {
  retry: boolean;
  /** How long the other side asked us to wait (retry-after), ms. */
  retryAfterMs?: number;
}

export interface RetryPolicyOptions {
  /** The wait after the first failure; doubled after each further one. */
  firstMs: number;
  /** The longest wait backoff reaches (a longer retry-after is still honoured). */
  maxMs: number;
  /** All attempts of one job and their waits together; absent: no limit (a job that must get through). */
  budgetMs?: number;
}

/**
 * The one retry policy: exponential backoff from `firstMs` doubling up to `maxMs`; a server's retry-after
 * is honoured (the wait is never shorter than it asks); within a budget, when there is one. Which errors are
 * worth another attempt is the caller's (`classify`): it knows its protocol.
 */
export class RetryPolicy {
  constructor(readonly o: RetryPolicyOptions) {}

  /** The wait after `failures` failures in a row (1 = the first). */
  delayMs(failures: number, retryAfterMs?: number): number {
    const backoff = Math.min(this.o.maxMs, this.o.firstMs * 2 ** Math.max(0, failures - 1));
    return Math.max(backoff, retryAfterMs ?? 0);
  }

  /**
   * Runs `attempt` until it succeeds, fails in a way `classify` says not to retry, or the next wait would
   * overrun the budget; then the last error is thrown. `attempt` gets its number and the budget left (ms).
   */
  async run<T>(
    attempt: (n: number, leftMs: number) => Promise<T>,
    classify: (e: unknown) => Failure,
    hooks: { onRetry?: (e: unknown, n: number, waitMs: number) => void; signal?: AbortSignal } = {},
  ): Promise<{ value: T; attempts: number }> {
    const deadline = this.o.budgetMs === undefined ? Infinity : Date.now() + this.o.budgetMs;
    for (let n = 1; ; n++) {
      try {
        return { value: await attempt(n, deadline - Date.now()), attempts: n };
      } catch (e) {
        const f = classify(e);
        const wait = this.delayMs(n, f.retryAfterMs);
        if (!f.retry || Date.now() + wait > deadline || hooks.signal?.aborted) throw e;
        hooks.onRetry?.(e, n, wait);
        await sleep(wait, undefined, hooks.signal ? { signal: hooks.signal } : {}).catch(() => undefined);
        if (hooks.signal?.aborted) throw e;
      }
    }
  }
}

/**
 * Backoff for something restarted over and over (a microphone reopened, a camera process relaunched):
 * each wait follows the policy; `healthy()` after a good stretch starts again from the first wait.
 */
export class RestartBackoff {
  private failures = 0;

  constructor(private readonly policy: RetryPolicy) {}

  next(): number {
    return this.policy.delayMs(++this.failures);
  }

  healthy(): void {
    this.failures = 0;
  }
}
