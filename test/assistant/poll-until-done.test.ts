import { pollUntilDone } from '../../src/assistant/poll-until-done';
import { AssistantError } from '../../src/assistant/thread-manager';
import { RetryPolicy } from '../../src/retry/retry-policy';

describe('pollUntilDone', () => {
  it('looks at once, then after each backoff wait, until the body returns', async () => {
    const at: number[] = [];
    const start = Date.now();
    for await (const look of pollUntilDone(10_000, 'never', new RetryPolicy({ firstMs: 20, maxMs: 60 }))) {
      at.push(Date.now() - start);
      expect(look).toBe(at.length);
      if (look === 5) break;
    }
    expect(at).toHaveLength(5);
    expect(at[0]).toBeLessThan(20);
    // Waits of 20, 40, 60 (the cap), 60 ms between the looks.
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    [20, 40, 60, 60].forEach((least, i) => expect(gaps[i]).toBeGreaterThanOrEqual(least - 2));
  });

  it('ends with a retryable one-line error instead of waiting past the time allowed', async () => {
    let looks = 0;
    const loop = async () => {
      for await (const _ of pollUntilDone(130, 'the run did not finish on the server in time', new RetryPolicy({ firstMs: 20, maxMs: 80 }))) looks++;
    };
    const e = await loop().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AssistantError);
    expect(e).toMatchObject({ message: 'the run did not finish on the server in time', kind: 'retry' });
    // Looks at 0, 20, 60 ms; the next wait (80) would end past 130 ms, so it is not taken.
    expect(looks).toBeGreaterThanOrEqual(1);
    expect(looks).toBeLessThanOrEqual(3);
  });

  it('by default looks again 250 ms after the first look', async () => {
    const at: number[] = [];
    for await (const look of pollUntilDone(10_000, 'never')) {
      at.push(Date.now());
      if (look === 2) break;
    }
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(248);
  });
});
