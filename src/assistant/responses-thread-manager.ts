import type OpenAI from 'openai';
import type { ConversationItem } from 'openai/resources/conversations/items';
import type { Response, ResponseInputItem, ResponseOutputItem, ResponseStreamEvent, Tool } from 'openai/resources/responses/responses';
import type { Logger } from 'pino';
import { valueNow, type Live } from '../live-value';
import type { JsonStateFile } from '../spool/json-state-file';
import { describeApiError } from './api-errors';
import { deleteUploadedFile, uploadVisionImage } from './vision-files';
import { type ApprovalGate, NO_CONFIRMATION } from './approval';
import { findQuestion, finishFromServer, followOnServer, unspokenRest } from './answer-recovery';
import { pollUntilDone } from './poll-until-done';
import { SessionOpener } from './session-opener';
import { guardIdle } from './stream-guard';
import { askApproval, runFunctionCall } from './tool-round';
import type { AnswerEvent, ImageDetail, Question, ThreadManager, UploadedImage } from './thread-manager';
import { AssistantError, sameQuestion } from './thread-manager';
import { canBeStrict, type ToolRunner, type ZapierMcpOptions } from './zapier-tool';

export interface ResponsesSession {
  conversationId?: string;
}

export interface ResponsesThreadManagerOptions {
  client: OpenAI;
  /** Read at each question (the setup page may change them). */
  model: Live<string>;
  instructions: string;
  detail: Live<ImageDetail>;
  /** The function tool (Zapier catch hook), run by the service. */
  tool?: ToolRunner;
  /** Or Zapier's MCP server, run by OpenAI. */
  mcp?: ZapierMcpOptions;
  gate?: ApprovalGate;
  session: JsonStateFile<ResponsesSession>;
  log: Logger;
  /** No stream event for this long: the connection is taken as dead. */
  idleTimeoutMs?: number;
  /** How long to wait for a response the stream lost to finish on the server. */
  recoverTimeoutMs?: number;
}

/** Tool rounds per question: a model that keeps calling tools is stopped here. */
const MAX_ROUNDS = 6;
const RECENT_ITEMS = 30;

type Pending = { kind: 'function'; callId: string; name: string; arguments: string } | { kind: 'approval'; id: string; name: string; arguments: string };

/**
 * The Conversations + Responses dialect (OpenAI's current API): one
 * conversation for the device, kept across restarts; each question is one
 * streamed response whose input is a user message with text and `input_image`
 * parts; a `function_call` item is answered with a `function_call_output` item
 * in the next response on the same conversation.
 */
export class ResponsesThreadManager implements ThreadManager {
  readonly dialect = 'responses' as const;
  private readonly conversation: SessionOpener<string>;

  constructor(private readonly o: ResponsesThreadManagerOptions) {
    this.conversation = new SessionOpener(
      () => this.openConversation(),
      (e) => describeApiError(e, o.client.baseURL, 'opening the conversation'),
    );
  }

  uploadImage(jpeg: Buffer, filename: string): Promise<UploadedImage> {
    return uploadVisionImage(this.o.client, jpeg, filename);
  }

  deleteFile(fileId: string): Promise<void> {
    return deleteUploadedFile(this.o.client, fileId);
  }

  async reset(): Promise<void> {
    this.conversation.forget();
    await this.o.session.write({});
  }

  async *ask(question: Question): AsyncIterable<AnswerEvent> {
    const conversation = await this.conversationId();
    yield* this.converse(conversation, [this.userMessage(question)], true);
  }

  async resume(question: Question): Promise<AsyncIterable<AnswerEvent> | undefined> {
    const conversation = await this.conversationId();
    let items: ConversationItem[];
    try {
      items = (await this.o.client.conversations.items.list(conversation, { order: 'desc', limit: RECENT_ITEMS })).data;
    } catch (e) {
      throw describeApiError(e, this.o.client.baseURL, 'looking for the question in the conversation');
    }
    const found = findQuestion(items, (item) => item.type === 'message' && item.role === 'user' && sameQuestion(questionOf(item), question));
    if (!found) return undefined;
    this.o.log.info({ conversation, itemsAfter: found.after.length }, 'question found in the conversation: answering without asking again');
    return this.continueAfter(conversation, found.after);
  }

  /** What the conversation holds after the question decides how to go on. */
  private async *continueAfter(conversation: string, after: ConversationItem[]): AsyncIterable<AnswerEvent> {
    yield { type: 'request-sent', dialect: this.dialect, ref: conversation };
    const answered = new Set(after.flatMap((i) => (i.type === 'function_call_output' ? [i.call_id] : [])));
    const approved = new Set(after.flatMap((i) => (i.type === 'mcp_approval_response' ? [i.approval_request_id] : [])));
    const pending: Pending[] = after.flatMap((i): Pending[] => {
      if (i.type === 'function_call' && !answered.has(i.call_id)) return [{ kind: 'function', callId: i.call_id, name: i.name, arguments: i.arguments }];
      if (i.type === 'mcp_approval_request' && !approved.has(i.id)) return [{ kind: 'approval', id: i.id, name: i.name, arguments: i.arguments }];
      return [];
    });
    const last = after[after.length - 1];
    if (!pending.length && last?.type === 'message' && last.role === 'assistant') {
      yield* finishFromServer(messageText(last));
      return;
    }
    let input = yield* this.runPending(pending);
    if (!input.length) {
      // The question is in the conversation with no answer: ask for one without repeating it.
      input = [{ type: 'message', role: 'developer', content: 'The connection dropped before you answered. Answer the user\'s last message now.' }];
    }
    yield* this.converse(conversation, input, false);
  }

  /** Streams responses on the conversation until the model answers in text. */
  private async *converse(conversation: string, firstInput: ResponseInputItem[], announce: boolean): AsyncIterable<AnswerEvent> {
    let input = firstInput;
    let text = '';
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const result: { response?: Response; pending: Pending[]; text: string } = { pending: [], text: '' };
      for await (const ev of this.oneResponse(conversation, input, result)) {
        if (ev.type === 'request-sent') {
          if (announce && round === 0) yield ev;
        } else yield ev;
      }
      text += result.text;
      if (!result.pending.length) {
        yield { type: 'done', text };
        return;
      }
      input = yield* this.runPending(result.pending);
    }
    throw new AssistantError(`the assistant kept calling tools (${MAX_ROUNDS} rounds) without answering`);
  }

  /** Runs function calls and asks approvals; ends with the input items that carry the results. */
  private async *runPending(pending: Pending[]): AsyncGenerator<AnswerEvent, ResponseInputItem[]> {
    const input: ResponseInputItem[] = [];
    for (const p of pending) {
      if (p.kind === 'function') {
        input.push({ type: 'function_call_output', call_id: p.callId, output: yield* runFunctionCall(this.o, p) });
      } else {
        const approve = yield* askApproval(this.o.gate ?? NO_CONFIRMATION, p);
        this.o.log.info({ tool: p.name, approve }, 'MCP approval answered');
        input.push({ type: 'mcp_approval_response', approval_request_id: p.id, approve } as ResponseInputItem);
      }
    }
    return input;
  }

  /**
   * One streamed response. If the stream breaks after the server took the
   * request, the response is fetched from the server instead of asked again,
   * and only the text not yet spoken is passed on.
   */
  private async *oneResponse(conversation: string, input: ResponseInputItem[], out: { response?: Response; pending: Pending[]; text: string }): AsyncIterable<AnswerEvent> {
    const controller = new AbortController();
    let responseId: string | undefined;
    let failure: AssistantError | undefined;
    let serverEnded = false;
    try {
      const stream = await this.o.client.responses.create(
        {
          model: valueNow(this.o.model),
          conversation,
          instructions: this.o.instructions,
          input,
          tools: this.tools(),
          stream: true,
        },
        { signal: controller.signal },
      );
      for await (const event of guardIdle<ResponseStreamEvent>(stream, this.o.idleTimeoutMs ?? 30_000, () => controller.abort(), 'getting the answer')) {
        if (event.type === 'response.created') {
          responseId = event.response.id;
          yield { type: 'request-sent', dialect: this.dialect, ref: responseId };
        } else if (event.type === 'response.output_text.delta') {
          out.text += event.delta;
          yield { type: 'text-delta', text: event.delta };
        } else if (event.type === 'response.output_item.done') {
          const p = pendingOf(event.item);
          if (p) out.pending.push(p);
        } else if (event.type === 'response.completed') {
          out.response = event.response;
        } else if (event.type === 'response.failed') {
          const why = event.response.error?.message ?? 'no reason given';
          serverEnded = true;
          throw new AssistantError(`the answer failed on the server: ${why}`, 'retry');
        } else if (event.type === 'response.incomplete') {
          const why = event.response.incomplete_details?.reason ?? 'no reason given';
          serverEnded = true;
          throw new AssistantError(`the answer was cut short (${why})`);
        } else if (event.type === 'error') {
          serverEnded = true;
          throw new AssistantError(`the answer stream reported an error: ${event.message}`, 'retry');
        }
      }
      if (!out.response) throw new AssistantError('getting the answer: the stream ended before the response completed', 'retry');
      return;
    } catch (e) {
      failure = describeApiError(e, this.o.client.baseURL, 'getting the answer');
    }
    if (!followOnServer(failure, responseId, serverEnded)) throw failure;
    this.o.log.warn({ err: failure.message, responseId }, 'answer stream broke: fetching the response from the server');
    const finished = await this.waitForResponse(responseId);
    const pending = finished.output.flatMap((item) => {
      const p = pendingOf(item);
      return p ? [p] : [];
    });
    const full = finished.output.map((item) => (item.type === 'message' ? messageText(item) : '')).join('');
    const rest = unspokenRest(full, out.text);
    if (rest) yield { type: 'text-delta', text: rest };
    out.text += rest;
    out.pending = pending;
    out.response = finished;
  }

  private async waitForResponse(id: string): Promise<Response> {
    for await (const _look of pollUntilDone(this.o.recoverTimeoutMs ?? 60_000, 'the answer did not finish on the server in time')) {
      let r: Response;
      try {
        r = await this.o.client.responses.retrieve(id);
      } catch (e) {
        throw describeApiError(e, this.o.client.baseURL, 'fetching the answer after the stream broke');
      }
      if (r.status === 'completed') return r;
      if (r.status !== 'in_progress' && r.status !== 'queued') {
        throw new AssistantError(`the answer ended ${r.status ?? 'unknown'} on the server: ${r.error?.message ?? r.incomplete_details?.reason ?? 'no reason given'}`, r.status === 'failed' || r.status === 'cancelled' ? 'retry' : 'failed');
      }
    }
    // pollUntilDone ends only by throwing; this line is for the compiler.
    throw new AssistantError('the answer did not finish on the server in time', 'retry');
  }

  private tools(): Tool[] {
    const tools: Tool[] = [];
    // The hook is offered only while one is configured (the secrets file may set it later).
    if (this.o.tool && (this.o.tool.available?.() ?? true)) {
      const d = this.o.tool.definition;
      tools.push({ type: 'function', name: d.name, description: d.description, parameters: { ...d.parameters }, strict: canBeStrict(d) });
    }
    if (this.o.mcp) {
      const m = this.o.mcp;
      const authorization = typeof m.authorization === 'function' ? m.authorization() : m.authorization;
      tools.push({
        type: 'mcp',
        server_label: m.serverLabel,
        server_url: m.serverUrl,
        ...(authorization ? { headers: { Authorization: authorization } } : {}),
        ...(m.allowedTools?.length ? { allowed_tools: m.allowedTools } : {}),
        require_approval: m.requireApproval,
      });
    }
    return tools;
  }

  private userMessage(q: Question): ResponseInputItem {
    return {
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: q.text },
        ...q.fileIds.map((file_id) => ({ type: 'input_image' as const, file_id, detail: valueNow(this.o.detail) })),
      ],
    } as ResponseInputItem;
  }

  private conversationId(): Promise<string> {
    return this.conversation.get();
  }

  private async openConversation(): Promise<string> {
    const saved = await this.o.session.read();
    if (saved.conversationId) return saved.conversationId;
    const created = await this.o.client.conversations.create({ metadata: { device: 'snapask' } });
    await this.o.session.write({ conversationId: created.id });
    this.o.log.info({ conversation: created.id }, 'created conversation');
    return created.id;
  }
}

function pendingOf(item: ResponseOutputItem): Pending | undefined {
  // call_id comes from the item, never from the argument events.
  if (item.type === 'function_call') return { kind: 'function', callId: item.call_id, name: item.name, arguments: item.arguments };
  if (item.type === 'mcp_approval_request') return { kind: 'approval', id: item.id, name: item.name, arguments: item.arguments };
  return undefined;
}

function messageText(item: { content?: unknown }): string {
  if (!Array.isArray(item.content)) return '';
  return item.content.map((p: { type?: string; text?: string }) => (p.type === 'output_text' && typeof p.text === 'string' ? p.text : '')).join('');
}

/** The text and image ids of a user message, as the conversation stores it. */
function questionOf(item: { content?: unknown }): Question {
  const parts = Array.isArray(item.content) ? (item.content as Array<{ type?: string; text?: string; file_id?: string | null }>) : [];
  return {
    text: parts.filter((p) => p.type === 'input_text').map((p) => p.text ?? '').join(' '),
    fileIds: parts.flatMap((p) => (p.type === 'input_image' && p.file_id ? [p.file_id] : [])),
  };
}
