import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { assistantsRoutes } from './assistants-routes';
import { audioRoutes } from './audio-routes';
import { loadContract, type Contract } from './contract';
import { ApiError, defaultFaultBody, errorBody } from './errors';
import { FaultQueue, type FaultSpec } from './faults';
import { filesRoutes } from './files-routes';
import { parseBody, readBody, recordedBody, type ParsedBody } from './http-body';
import { IdGenerator } from './ids';
import { isRecord, type Operation } from './operations';
import { checkRequest } from './request-check';
import { modelsRoutes } from './models-routes';
import { responsesRoutes } from './responses-routes';
import type { RouteContext, RouteResult, RouteTable, StoredFile, StreamKind } from './routes';
import { SseStream, type StreamFault } from './sse';
import { DEFAULT_LIMITS, type Transcription, type TranscriptionLimits } from './transcription';

export type { FaultSpec } from './faults';
export type { StoredFile } from './routes';
export type { Transcription } from './transcription';

export interface RecordedRequest {
  method: string;
  /** Without the /v1 prefix and without the query string. */
  path: string;
  /** The spec operation, e.g. 'POST /threads/{thread_id}/messages'; 'METHOD /path' when the spec has none. */
  operation: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; for multipart the fields plus {name, type, bytes, sha256} per file. */
  body: unknown;
  /** Seconds on the process.hrtime clock when the request's headers arrived. */
  receivedAt: number;
}

export interface FakeOpenAI {
  /** e.g. http://127.0.0.1:PORT/v1, ready for `new OpenAI({ baseURL })`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Requests that broke the spec, and (a bug in the double) responses or events that did. */
  violations: string[];
  /** Names of every function tool any request offered, in first-seen order. */
  toolsSeen: string[];
  files: Map<string, StoredFile>;
  /** The text of every user message stored in a thread or conversation, in order: how often a question was asked. */
  questions: string[];
  /** Every transcription answered, in the order answered, with the audio as decoded. */
  transcriptions: Transcription[];
  /**
   * Milliseconds every request of an operation takes before it is answered (e.g. 'POST /audio/transcriptions': 600),
   * on top of any injected fault's delay; set and change it at any time.
   */
  latencyMs: Record<string, number>;
  inject(fault: FaultSpec): void;
  /** Drops every injected fault still waiting. */
  clearFaults(): void;
  close(): Promise<void>;
}

export interface FakeOpenAIOptions {
  /** 0 or absent: any free port. */
  port?: number;
  host?: string;
  /** Defaults to SNAPASK_OPENAPI or /work/shared/openai/openapi.yaml (relative to the repo). */
  specPath?: string;
  /** One line per request, plus every violation. */
  log?: (line: string) => void;
  /** Pause between SSE events; default 2 ms so every event reaches the client as its own chunk. */
  eventDelayMs?: number;
  /** The transcription limits (file size, shortest and longest audio); the real API's by default. */
  transcriptionLimits?: Partial<TranscriptionLimits>;
}

const ASSISTANT_STREAM_EVENT = '#/components/schemas/AssistantStreamEvent';
const ERROR_RESPONSE = '#/components/schemas/ErrorResponse';

export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const contract = loadContract(opts.specPath);
  const log = opts.log ?? (() => undefined);
  const host = opts.host ?? '127.0.0.1';
  const ids = new IdGenerator();
  const faults = new FaultQueue();
  const files = new Map<string, StoredFile>();
  const questions: string[] = [];
  const transcriptions: Transcription[] = [];
  const latencyMs: Record<string, number> = {};
  const routes: RouteTable = {
    ...filesRoutes(),
    ...assistantsRoutes(questions),
    ...responsesRoutes(questions),
    ...audioRoutes(transcriptions, { ...DEFAULT_LIMITS, ...opts.transcriptionLimits }),
    ...modelsRoutes(),
  };
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const toolsSeen: string[] = [];

  const violation = (problem: string): void => {
    violations.push(problem);
    log(`VIOLATION ${problem}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = Number(process.hrtime.bigint()) / 1e9;
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://fake-openai.local');
    const body = await parseBody(req.headers['content-type'], await readBody(req));
    const path = url.pathname.startsWith('/v1/') ? url.pathname.slice(3) : url.pathname;
    const match = url.pathname.startsWith('/v1/') ? contract.operations.match(method, path) : undefined;
    const operation = match?.operation.id ?? `${method} ${path}`;
    requests.push({ method, path, operation, headers: copyHeaders(req.headers), body: recordedBody(body), receivedAt });
    noteTools(body, toolsSeen);
    res.on('close', () => log(`${method} ${url.pathname}${url.search} -> ${res.statusCode}${res.writableFinished ? '' : ' (cut)'} [${operation}] ${Math.round((Number(process.hrtime.bigint()) / 1e9 - receivedAt) * 1000)}ms`));

    if (!/^Bearer\s+\S+/i.test(header(req.headers.authorization))) {
      return sendJson(res, 401, errorBody(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      ));
    }
    if (!match) {
      violation(`${method} ${path}: no such operation in the spec`);
      return sendJson(res, 404, errorBody(`Invalid URL (${method} ${url.pathname})`));
    }

    // Checked before any fault fires: a malformed request is the client's bug even when the server then fails.
    const problem = checkRequest(contract, match.operation, url.searchParams, body);
    if (problem) violation(problem);

    const fault = faults.take(operation, `${method} ${path}`);
    const latency = (latencyMs[operation] ?? 0) + (fault?.delayMs ?? 0);
    if (latency) await sleep(latency);
    if (fault?.status !== undefined) {
      return sendJson(res, fault.status, fault.body ?? defaultFaultBody(fault.status), fault.headers);
    }
    if (problem) return sendJson(res, 400, errorBody(problem, 'invalid_request_error', null, 'schema_violation'));

    const handler = routes[operation];
    if (!handler) return sendJson(res, 404, errorBody(`fake-openai does not implement ${operation}`, 'invalid_request_error', null, 'not_implemented'));

    const streamFault: StreamFault | undefined = fault?.resetMidStream
      ? { mode: 'reset', ...(fault.afterEvents !== undefined ? { afterEvents: fault.afterEvents } : {}) }
      : fault?.stallMidStream
        ? { mode: 'stall', ...(fault.afterEvents !== undefined ? { afterEvents: fault.afterEvents } : {}) }
        : undefined;
    const ctx = makeContext(match.operation, match.params, url.searchParams, body, files, ids, fault, (kind) =>
      new SseStream(res, {
        check: (event, data) => checkEvent(contract, match.operation, kind, event, data),
        onViolation: (p) => violation(`${operation} SSE ${p}`),
        ...(streamFault ? { fault: streamFault } : {}),
        eventDelayMs: opts.eventDelayMs ?? 2,
      }),
    );

    let result: RouteResult;
    try {
      result = await handler(ctx);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const errorProblem = contract.validator.check(ERROR_RESPONSE, e.body());
      if (errorProblem) violation(`response ${operation} ${e.status}: ${errorProblem}`);
      return sendJson(res, e.status, e.body());
    }
    if (result.kind === 'streamed') return;
    if (streamFault) {
      // A non-streaming answer can only be cut before it starts.
      if (streamFault.mode === 'reset') res.socket?.resetAndDestroy();
      return;
    }
    if (result.kind === 'bytes') {
      res.writeHead(200, { 'content-type': result.contentType, 'content-length': result.body.length });
      res.end(result.body);
      return;
    }
    const status = result.status ?? 200;
    const pointer = match.operation.responses[String(status)]?.['application/json'];
    if (pointer) {
      const responseProblem = contract.validator.check(pointer, result.body);
      if (responseProblem) violation(`response ${operation} ${status}: ${responseProblem}`);
    }
    sendJson(res, status, result.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`fake-openai internal error on ${req.method} ${req.url}: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) sendJson(res, 500, errorBody(`fake-openai internal error: ${(e as Error).message}`, 'server_error'));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}/v1`,
    port,
    requests,
    violations,
    toolsSeen,
    files,
    questions,
    transcriptions,
    latencyMs,
    inject: (fault) => faults.inject(fault),
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Stalled streams and keep-alive sockets would otherwise hold close() open forever.
        server.closeAllConnections();
      }),
  };
}

function makeContext(
  operation: Operation,
  params: Record<string, string>,
  query: URLSearchParams,
  body: ParsedBody,
  files: Map<string, StoredFile>,
  ids: IdGenerator,
  fault: FaultSpec | undefined,
  openStream: (kind: StreamKind) => SseStream,
): RouteContext {
  const ctx: RouteContext = {
    operation,
    params,
    query,
    body: body.kind === 'json' ? body.value : undefined,
    files,
    ids,
    now: () => Math.floor(Date.now() / 1000),
    openStream,
    ...(fault?.outcome ? { outcome: fault.outcome } : {}),
    ...(fault?.text !== undefined ? { transcript: fault.text } : {}),
    ...(fault?.resetMidStream || fault?.stallMidStream ? { answerCut: true } : {}),
  };
  if (body.kind === 'form') ctx.form = { fields: body.fields, files: body.files };
  return ctx;
}

/**
 * Assistants events are checked as {event, data} against AssistantStreamEvent (the runs
 * operations don't declare a stream schema); Responses events against the stream schema the
 * operation itself declares, picked by `type`.
 */
function checkEvent(contract: Contract, operation: Operation, kind: StreamKind, eventName: string, data: unknown): string | undefined {
  const v = contract.validator;
  if (kind === 'assistants') {
    const problem = v.checkVariant(ASSISTANT_STREAM_EVENT, 'event', eventName, { event: eventName, data });
    return problem && `${eventName}: ${problem}`;
  }
  const pointer = operation.responses['200']?.['text/event-stream'];
  if (!pointer) return `${eventName}: ${operation.id} declares no text/event-stream response`;
  if (!isRecord(data) || data.type !== eventName) return `${eventName}: SSE event name differs from data.type`;
  const problem = v.checkVariant(pointer, 'type', eventName, data);
  return problem && `${eventName}: ${problem}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': `req_fake${Date.now().toString(36)}`,
    ...headers,
  });
  res.end(text);
}

function header(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function copyHeaders(h: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  return { ...h };
}

/** Function tool names in either shape: Assistants {function: {name}} or Responses {name}. */
function noteTools(body: ParsedBody, seen: string[]): void {
  if (body.kind !== 'json' || !isRecord(body.value) || !Array.isArray(body.value.tools)) return;
  for (const tool of body.value.tools) {
    if (!isRecord(tool) || tool.type !== 'function') continue;
    const name = isRecord(tool.function) ? tool.function.name : tool.name;
    if (typeof name === 'string' && !seen.includes(name)) seen.push(name);
  }
}
