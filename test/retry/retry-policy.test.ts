import { RestartBackoff, RetryPolicy, type Failure } from '../../src/retry/retry-policy';

class Flaky extends Error implements Failure {
  constructor(
    readonly retry: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(retry ? 'try again' : 'no use trying');
  }
}
const classify = (e: unknown): Failure => (e instanceof Flaky ? e : { retry: false });

describe('RetryPolicy', () => {
  it('backs off from the first wait, doubling up to the maximum; a longer retry-after wins, a shorter one does not', () => {
    const p = new RetryPolicy({ firstMs: 100, maxMs: 1000 });
    expect([1, 2, 3, 4, 5, 6].map((n) => p.delayMs(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(p.delayMs(1, 2500)).toBe(2500);
    expect(p.delayMs(4, 300)).toBe(800);
  });

  it('tries again what is worth it and reports the attempts; gives up at once on what is not', async () => {
    const p = new RetryPolicy({ firstMs: 10, maxMs: 50 });
    let n = 0;
    const ok = await p.run(async () => {
      if (++n < 3) throw new Flaky(true);
      return 'done';
    }, classify);
    expect(ok).toEqual({ value: 'done', attempts: 3 });
    let m = 0;
    await expect(
      p.run(async () => {
        m++;
        throw new Flaky(false);
      }, classify),
    ).rejects.toThrow('no use trying');
    expect(m).toBe(1);
  });

  it('waits the retry-after, reports each retry, and stops when the next wait would overrun the budget', async () => {
    const p = new RetryPolicy({ firstMs: 50, maxMs: 1000, budgetMs: 400 });
    const times: number[] = [];
    const retries: Array<[number, number]> = [];
    const started = performance.now();
    await expect(
      p.run(
        async (_n, leftMs) => {
          times.push(performance.now());
          expect(leftMs).toBeLessThanOrEqual(400);
          throw new Flaky(true, times.length === 1 ? 150 : undefined);
        },
        classify,
        { onRetry: (_e, n, waitMs) => retries.push([n, waitMs]) },
      ),
    ).rejects.toThrow('try again');
    // 150 (retry-after), then 100, then 200 would end past 400 ms: three attempts.
    expect(retries).toEqual([
      [1, 150],
      [2, 100],
    ]);
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(145);
    expect(performance.now() - started).toBeLessThan(400);
  });

  it('stops waiting when aborted', async () => {
    const p = new RetryPolicy({ firstMs: 60_000, maxMs: 60_000 });
    const abort = new AbortController();
    const started = performance.now();
    const run = p.run(async () => {
      throw new Flaky(true);
    }, classify, { signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await expect(run).rejects.toThrow('try again');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('RestartBackoff', () => {
  it('grows with each restart and starts again after a healthy stretch', () => {
    const b = new RestartBackoff(new RetryPolicy({ firstMs: 500, maxMs: 2000 }));
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([500, 1000, 2000, 2000]);
    b.healthy();
    expect(b.next()).toBe(500);
  });
});
