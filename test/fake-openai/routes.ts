import type { IdGenerator } from './ids';
import type { UploadedFile } from './http-body';
import type { Operation } from './operations';
import type { RunOutcome } from './faults';
import type { SseStream } from './sse';

/** An uploaded file as the double keeps it (the bytes stay in memory for the model to look at). */
export interface StoredFile {
  bytes: Buffer;
  purpose: string;
  filename: string;
  createdAt?: number;
  contentType?: string;
}

/** Which spec union an event stream's events are checked against. */
export type StreamKind = 'assistants' | 'responses';

export interface RouteContext {
  operation: Operation;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (already checked against the spec), or undefined. */
  body: unknown;
  form?: { fields: Record<string, string>; files: Record<string, UploadedFile> };
  files: Map<string, StoredFile>;
  ids: IdGenerator;
  /** Unix seconds. */
  now(): number;
  /** An injected ending for the run or response this request starts. */
  outcome?: RunOutcome;
  /** An injected transcript (`FaultSpec.text`): the transcription answers this instead of the audio's words. */
  transcript?: string;
  /** A non-streamed answer to this request will be cut (reset or stalled) before the client gets it. */
  answerCut?: boolean;
  /** Switches the response to server-sent events; events are checked against the union for `kind`. */
  openStream(kind: StreamKind): SseStream;
}

export type RouteResult =
  | { kind: 'json'; status?: number; body: unknown }
  | { kind: 'bytes'; contentType: string; body: Buffer }
  /** The handler already wrote an event stream. */
  | { kind: 'streamed' };

export type RouteHandler = (ctx: RouteContext) => RouteResult | Promise<RouteResult>;

/** Keyed by operation id, e.g. 'POST /threads/{thread_id}/messages'. */
export type RouteTable = Record<string, RouteHandler>;

export function json(body: unknown, status = 200): RouteResult {
  return { kind: 'json', status, body };
}

export function bodyObject(ctx: RouteContext): Record<string, unknown> {
  const b = ctx.body;
  return typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}
