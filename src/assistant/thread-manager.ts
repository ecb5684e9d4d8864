import type { Failure } from '../retry/retry-policy';
/** A snapshot that reached the API: the id the question's message refers to. */
export interface UploadedImage {
  fileId: string;
  bytes: number;
  sha256: string;
  /** Wall time the upload took, milliseconds. */
  ms: number;
}

export type ImageDetail = 'low' | 'high' | 'auto' | 'original';

export interface Question {
  text: string;
  fileIds: string[];
}

/** Same text and the same images, in order: how a question is recognised in a conversation after a crash. */
export function sameQuestion(a: Question, b: Question): boolean {
  return a.text === b.text && a.fileIds.length === b.fileIds.length && a.fileIds.every((id, i) => id === b.fileIds[i]);
}

/** What comes back while a question is answered, in order. */
export type AnswerEvent =
  /** The server holds the question now: sending it again would ask it twice. */
  | { type: 'request-sent'; dialect: string; ref: string }
  | { type: 'text-delta'; text: string }
  /** The assistant wants to run an action that needs the user's word first; the gate is asked next. */
  | { type: 'approval-needed'; name: string; arguments: string }
  | { type: 'tool-call'; name: string; arguments: string; output: string }
  | { type: 'done'; text: string };

/**
 * The assistant's conversation. Uploads start the moment a snapshot is taken;
 * a question goes as one user message that references every uploaded file by id.
 * The assistant sees images natively: the only function tool is the Zapier action.
 */
export interface ThreadManager {
  readonly dialect: 'assistants' | 'responses';
  /** One attempt; retries and backoff belong to the upload queue. */
  uploadImage(jpeg: Buffer, filename: string): Promise<UploadedImage>;
  deleteFile(fileId: string): Promise<void>;
  /** Sends the question and streams its answer, running the tool when asked. */
  ask(question: Question): AsyncIterable<AnswerEvent>;
  /**
   * After a crash or a failure with the question's fate unknown: if the
   * conversation already holds this question, answers it from there (the
   * answer it already has, or a new one) without asking it again; undefined
   * when the question never arrived.
   */
  resume(question: Question): Promise<AsyncIterable<AnswerEvent> | undefined>;
  /** Starts a new conversation; the next question opens it. */
  reset(): Promise<void>;
}

/**
 * How a failure should be handled: `retry` by itself (rate limit, server
 * error, network); `refused` until a person fixes something (the key, a
 * permission, a retired API), so the question is kept and tried again rarely;
 * `failed` for this question only (a bad request, an answer cut short).
 */
export type FailureKind = 'retry' | 'refused' | 'failed';

/** The API refused or could not be reached; the message is one line for the log and the user. */
export class AssistantError extends Error {
  override name = 'AssistantError';
  constructor(
    message: string,
    readonly kind: FailureKind = 'failed',
    /** Seconds the server asked us to wait (retry-after). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.kind === 'retry';
  }

  /** For the retry policy: anything that is not an AssistantError counts as worth another attempt. */
  static failureOf(e: unknown): Failure {
    if (!(e instanceof AssistantError)) return { retry: true };
    return { retry: e.retryable, ...(e.retryAfter !== undefined ? { retryAfterMs: e.retryAfter * 1000 } : {}) };
  }
}
