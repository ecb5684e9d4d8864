/**
 * Whether the API can be reached, looked at when the service starts and, while it cannot, every `retryMs`
 * until it can: the service says once that it cannot reach the internet and once that it is back, and
 * keeps questions meanwhile (the sender retries them on its own schedule; `onBack` lets it try at once).
 */
export class InternetWatch {
  private timer: NodeJS.Timeout | undefined;
  private down = false;
  private closed = false;

  constructor(
    private readonly opts: {
      /** Resolves when the API's address answers; rejects with the reason otherwise. */
      probe: () => Promise<void>;
      retryMs: number;
      onDown: (why: string) => void;
      onBack: () => void;
    },
  ) {}

  start(): void {
    void this.look();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async look(): Promise<void> {
    try {
      await this.opts.probe();
      if (this.closed) return;
      if (this.down) {
        this.down = false;
        this.opts.onBack();
      }
    } catch (e) {
      if (this.closed) return;
      if (!this.down) {
        this.down = true;
        this.opts.onDown((e as Error).message);
      }
      this.timer = setTimeout(() => void this.look(), this.opts.retryMs);
      this.timer.unref();
    }
  }
}
