import { AssistantError } from './thread-manager';

/**
 * Yields a stream's items, failing (retryable) when none arrives for `idleMs`:
 * a stalled connection would otherwise hold the answer open forever, since the
 * client's own timeout stops counting once the response headers arrive.
 */
export async function* guardIdle<T>(stream: AsyncIterable<T>, idleMs: number, abort: () => void, what: string): AsyncIterable<T> {
  const it = stream[Symbol.asyncIterator]();
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<'idle'>((resolve) => {
      timer = setTimeout(() => resolve('idle'), idleMs);
    });
    let next: IteratorResult<T> | 'idle';
    try {
      next = await Promise.race([it.next(), idle]);
    } finally {
      clearTimeout(timer);
    }
    if (next === 'idle') {
      abort();
      // The pending next() rejects once aborted; nobody awaits it any more.
      it.return?.().catch(() => undefined);
      throw new AssistantError(`${what}: the answer stream stalled (nothing for ${Math.round(idleMs / 1000)} s)`, 'retry');
    }
    if (next.done) return;
    yield next.value;
  }
}
