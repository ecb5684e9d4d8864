import type { AssistantError } from './thread-manager';

/**
 * The conversation (or thread) the device keeps: opened on first use, shared
 * by every caller while it opens, opened afresh on the next use after a
 * failure (which is thrown as one line), forgotten on reset.
 */
export class SessionOpener<T> {
  private opened?: Promise<T>;

  constructor(
    private readonly open: () => Promise<T>,
    private readonly describe: (e: unknown) => AssistantError,
  ) {}

  get(): Promise<T> {
    this.opened ??= this.open().catch((e: unknown) => {
      this.opened = undefined; // try again on the next question
      throw this.describe(e);
    });
    return this.opened;
  }

  forget(): void {
    this.opened = undefined;
  }
}
