import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const RESET_GRACE_MS = 50;

export interface StreamFault {
  mode: 'reset' | 'stall';
  /** Events to send before the fault; default: through the second `*.delta` event. */
  afterEvents?: number;
}

export interface SseOptions {
  /** Checks one event against the spec; returns a problem or undefined. */
  check: (event: string, data: unknown) => string | undefined;
  onViolation: (problem: string) => void;
  fault?: StreamFault;
  /** Pause between events so each reaches the client as its own chunk. */
  eventDelayMs: number;
}

/**
 * One server-sent-event response in OpenAI's wire format (`event: name\ndata: json\n\n`).
 * Sending never throws: once the client is gone or a fault fired, events are dropped, so
 * route code can always run its state changes to the end (the real server also finishes a
 * run when the client disconnects).
 */
export class SseStream {
  private sent = 0;
  private deltas = 0;
  private state: 'open' | 'faulted' | 'closed' = 'open';

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: SseOptions,
  ) {
    res.on('close', () => {
      if (this.state === 'open') this.state = 'closed';
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
  }

  get open(): boolean {
    return this.state === 'open';
  }

  /** Sends one event whose data is JSON. */
  async send(event: string, data: unknown): Promise<void> {
    await this.write(event, JSON.stringify(data), data);
  }

  /** Sends an event whose data is not JSON, e.g. the Assistants `done` event's `[DONE]`. */
  async sendRaw(event: string, text: string): Promise<void> {
    await this.write(event, text, text);
  }

  async end(): Promise<void> {
    if (this.state === 'open' && this.opts.fault) this.fire(this.opts.fault);
    if (this.state === 'open') {
      this.state = 'closed';
      this.res.end();
    }
  }

  private async write(event: string, text: string, data: unknown): Promise<void> {
    // Checked even when not delivered: the double's own output must match the spec regardless of faults.
    const problem = this.opts.check(event, data);
    if (problem) this.opts.onViolation(problem);
    if (this.state !== 'open') return;
    const fault = this.opts.fault;
    if (fault && fault.afterEvents !== undefined && this.sent >= fault.afterEvents) {
      this.fire(fault);
      return;
    }
    this.res.write(`event: ${event}\ndata: ${text}\n\n`);
    this.sent += 1;
    if (event.endsWith('.delta')) this.deltas += 1;
    if (fault && fault.afterEvents === undefined && this.deltas >= 2) {
      this.fire(fault);
      return;
    }
    if (this.opts.eventDelayMs > 0) await sleep(this.opts.eventDelayMs);
  }

  private fire(fault: StreamFault): void {
    this.state = 'faulted';
    if (fault.mode === 'reset') {
      const socket = this.res.socket;
      // RST rather than FIN, so the client sees a broken connection and not a clean end of stream.
      // An RST also discards whatever the peer hasn't read yet, so give the events already sent time to land.
      setTimeout(() => {
        if (socket && !socket.destroyed) socket.resetAndDestroy();
      }, RESET_GRACE_MS).unref();
    }
    // 'stall': leave the response open and silent; the server destroys it on close().
  }
}
