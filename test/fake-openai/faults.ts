/** A scripted misbehaviour for the next request(s) matching `operation`. */
export interface FaultSpec {
  /** Matched against the spec operation ('POST /threads/{thread_id}/runs') and the concrete 'POST /threads/thread_1/runs'. */
  operation: string | RegExp;
  status?: number;
  headers?: Record<string, string>;
  /** Error body; default is OpenAI's error shape for the status. */
  body?: unknown;
  /** How many matching requests it affects; default 1. */
  times?: number;
  /** Delay before answering (alone: a slow but otherwise normal answer). */
  delayMs?: number;
  /** For SSE: send some events then reset the connection. For JSON: reset before answering. */
  resetMidStream?: boolean;
  /** For SSE: send some events then hang until the client gives up or the server closes. For JSON: never answer. */
  stallMidStream?: boolean;
  /** With resetMidStream/stallMidStream: how many SSE events go out first; default: up to and including the second delta event. */
  afterEvents?: number;
  /**
   * How the run or response ends instead of completing: a run ends `failed`, `expired`,
   * `incomplete` or `cancelled`; a response `failed` or `incomplete`; `error-event` sends an
   * `error` event. The question stays in the thread or conversation, unanswered.
   */
  outcome?: RunOutcome;
  /** A transcription answers this text instead of the audio's words ('' for an empty transcript). */
  text?: string;
}

export type RunOutcome = 'failed' | 'expired' | 'incomplete' | 'cancelled' | 'error-event';

export class FaultQueue {
  private readonly pending: Array<{ spec: FaultSpec; remaining: number }> = [];

  inject(spec: FaultSpec): void {
    this.pending.push({ spec, remaining: spec.times ?? 1 });
  }

  /** Drops every fault still waiting (the network is back). */
  clear(): void {
    this.pending.length = 0;
  }

  /** Consumes one use of the oldest matching fault. */
  take(operationId: string, concrete: string): FaultSpec | undefined {
    const index = this.pending.findIndex(({ spec }) => matches(spec.operation, operationId, concrete));
    if (index < 0) return undefined;
    const entry = this.pending[index] as { spec: FaultSpec; remaining: number };
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.pending.splice(index, 1);
    return entry.spec;
  }
}

function matches(pattern: string | RegExp, operationId: string, concrete: string): boolean {
  if (typeof pattern === 'string') return pattern === operationId || pattern === concrete;
  pattern.lastIndex = 0;
  if (pattern.test(operationId)) return true;
  pattern.lastIndex = 0;
  return pattern.test(concrete);
}
