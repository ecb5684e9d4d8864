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

/** What comes back while a question is answered, in order. */
export type AnswerEvent =
  | { type: 'request-sent'; dialect: string }
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; name: string; arguments: string; output: string }
  | { type: 'done'; text: string };

/**
 * The assistant's conversation. Uploads start the moment a snapshot is taken;
 * a question goes as one user message that references every uploaded file by id.
 * The assistant sees images natively: the only function tool is the Zapier action.
 */
export interface ThreadManager {
  readonly dialect: 'assistants' | 'responses';
  uploadImage(jpeg: Buffer, filename: string): Promise<UploadedImage>;
  ask(question: Question): AsyncIterable<AnswerEvent>;
}

/** The API refused or could not be reached; the message is one line for the log and the user. */
export class AssistantError extends Error {
  override name = 'AssistantError';
}
