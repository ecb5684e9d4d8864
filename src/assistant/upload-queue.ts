import type { Logger } from 'pino';
import { prepareImage } from '../image/prepare-image';
import { valueNow, type Live } from '../live-value';
import { RetryPolicy } from '../retry/retry-policy';
import { AssistantError, type ImageDetail, type ThreadManager, type UploadedImage } from './thread-manager';

export interface UploadQueueOptions {
  threads: Pick<ThreadManager, 'uploadImage'>;
  /** Read at each picture (the setup page may change it). */
  detail: Live<ImageDetail>;
  /** Uploads in flight at once; the rest wait their turn. */
  concurrency: number;
  /** Per picture, all attempts and their backoff together. */
  budgetMs: number;
  /** First backoff, doubled each attempt (the retry policy: a longer retry-after from the server wins). */
  backoffMs: number;
  qscale?: number;
  env?: NodeJS.ProcessEnv;
  log: Logger;
  /** Called when a picture's upload actually starts (prepared, slot taken). */
  onStart?: (name: string) => void;
}

export interface UploadResult extends UploadedImage {
  /** Attempts it took. */
  attempts: number;
}

/**
 * Snapshots on their way to the API: each is prepared for its detail level and
 * uploaded as soon as a slot is free, several at a time, each retried with
 * backoff while its budget lasts. A refusal that retrying cannot fix (a bad
 * key, say) fails at once.
 */
export class UploadQueue {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly policy: RetryPolicy;

  constructor(private readonly o: UploadQueueOptions) {
    this.policy = new RetryPolicy({ firstMs: o.backoffMs, maxMs: 30_000, budgetMs: o.budgetMs });
  }

  async upload(jpeg: Buffer, name: string): Promise<UploadResult> {
    await this.slot();
    try {
      const prepared = await prepareImage(jpeg, valueNow(this.o.detail), { ...(this.o.qscale ? { qscale: this.o.qscale } : {}), ...(this.o.env ? { env: this.o.env } : {}) }).catch((e: Error) => {
        // A picture ffmpeg cannot read still goes as taken: the model may make sense of it.
        this.o.log.warn({ name, err: e.message }, 'snapshot not resized');
        return { jpeg };
      });
      this.o.onStart?.(name);
      const { value, attempts } = await this.policy
        .run(
          () => this.o.threads.uploadImage(prepared.jpeg, name),
          AssistantError.failureOf,
          { onRetry: (e, attempt, waitMs) => this.o.log.warn({ name, attempt, err: (e as Error).message, waitMs: Math.round(waitMs) }, 'upload failed: trying again') },
        )
        .catch((e: unknown) => {
          throw e instanceof AssistantError ? e : new AssistantError(String((e as Error).message ?? e), 'retry');
        });
      return { ...value, attempts };
    } finally {
      this.release();
    }
  }

  private slot(): Promise<void> {
    if (this.active < this.o.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight on
    else this.active--;
  }
}
