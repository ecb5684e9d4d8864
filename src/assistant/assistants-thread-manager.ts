import type OpenAI from 'openai';
import type { AssistantStream } from 'openai/lib/AssistantStream';
import type { AssistantTool } from 'openai/resources/beta/assistants';
import type { Message, MessageContentPartParam } from 'openai/resources/beta/threads/messages';
import type { Run } from 'openai/resources/beta/threads/runs/runs';
import type { Logger } from 'pino';
import { valueNow, type Live } from '../live-value';
import type { JsonStateFile } from '../spool/json-state-file';
import { describeApiError } from './api-errors';
import { deleteUploadedFile, uploadVisionImage } from './vision-files';
import type { ApprovalGate } from './approval';
import { findQuestion, finishFromServer, followOnServer } from './answer-recovery';
import { pollUntilDone } from './poll-until-done';
import { SessionOpener } from './session-opener';
import { guardIdle } from './stream-guard';
import type { AnswerEvent, ImageDetail, Question, ThreadManager, UploadedImage } from './thread-manager';
import { AssistantError, sameQuestion } from './thread-manager';
import { runFunctionCall } from './tool-round';
import type { FunctionToolDefinition, ToolRunner } from './zapier-tool';

export interface AssistantsSession {
  assistantId?: string;
  threadId?: string;
}

export interface AssistantsThreadManagerOptions {
  client: OpenAI;
  /** Read at each question (the setup page may change them). */
  model: Live<string>;
  instructions: string;
  detail: Live<ImageDetail>;
  /** An existing assistant to use; otherwise one is created and remembered. */
  assistantId?: string;
  tool: ToolRunner;
  gate?: ApprovalGate;
  session: JsonStateFile<AssistantsSession>;
  log: Logger;
  idleTimeoutMs?: number;
  recoverTimeoutMs?: number;
}

/** The Assistants schema knows low, high and auto only; `original` (Responses) is nearest to `high`. */
function assistantsDetail(d: ImageDetail): 'low' | 'high' | 'auto' {
  return d === 'original' ? 'high' : d;
}

const RUN_FAILED = new Set(['thread.run.failed', 'thread.run.expired', 'thread.run.cancelled', 'thread.run.incomplete']);
const ACTIVE = new Set(['queued', 'in_progress', 'cancelling']);
const RECENT_MESSAGES = 20;

type ToolOutput = { tool_call_id: string; output: string };

/**
 * The Assistants dialect (threads, messages, runs), for servers that still offer
 * it: one assistant and one thread for the device, a user message per question
 * with text and `image_file` parts, a streamed run, the Zapier tool answered
 * through `submit_tool_outputs`.
 */
export class AssistantsThreadManager implements ThreadManager {
  readonly dialect = 'assistants' as const;
  private readonly opener: SessionOpener<Required<AssistantsSession>>;

  constructor(private readonly o: AssistantsThreadManagerOptions) {
    this.opener = new SessionOpener(
      () => this.openSession(),
      (e) => describeApiError(e, o.client.baseURL, 'opening the assistant thread', true),
    );
  }

  uploadImage(jpeg: Buffer, filename: string): Promise<UploadedImage> {
    return uploadVisionImage(this.o.client, jpeg, filename);
  }

  deleteFile(fileId: string): Promise<void> {
    return deleteUploadedFile(this.o.client, fileId);
  }

  async reset(): Promise<void> {
    const saved = await this.o.session.read();
    this.opener.forget();
    // The assistant stays; only the thread is new.
    await this.o.session.write(saved.assistantId ? { assistantId: saved.assistantId } : {});
  }

  async *ask(question: Question): AsyncIterable<AnswerEvent> {
    const { threadId } = await this.session();
    const content: MessageContentPartParam[] = [
      { type: 'text', text: question.text },
      ...question.fileIds.map((file_id): MessageContentPartParam => ({ type: 'image_file', image_file: { file_id, detail: assistantsDetail(valueNow(this.o.detail)) } })),
    ];
    let message: Message;
    try {
      message = await this.o.client.beta.threads.messages.create(threadId, { role: 'user', content });
    } catch (e) {
      throw describeApiError(e, this.o.client.baseURL, 'sending the question', true);
    }
    yield { type: 'request-sent', dialect: this.dialect, ref: message.id };
    yield* this.runAnswer(threadId);
  }

  async resume(question: Question): Promise<AsyncIterable<AnswerEvent> | undefined> {
    const { threadId } = await this.session();
    let messages: Message[];
    try {
      messages = (await this.o.client.beta.threads.messages.list(threadId, { order: 'desc', limit: RECENT_MESSAGES })).data;
    } catch (e) {
      throw describeApiError(e, this.o.client.baseURL, 'looking for the question in the thread', true);
    }
    const found = findQuestion(messages, (m) => m.role === 'user' && sameQuestion(questionOf(m), question));
    if (!found) return undefined;
    const answer = found.after.find((m) => m.role === 'assistant');
    this.o.log.info({ threadId, answered: Boolean(answer) }, 'question found in the thread: answering without asking again');
    return async function* (this: AssistantsThreadManager): AsyncIterable<AnswerEvent> {
      yield { type: 'request-sent', dialect: this.dialect, ref: found.item.id };
      if (answer) {
        yield* finishFromServer(messageText(answer));
        return;
      }
      const active = await this.activeRun(threadId);
      if (active) yield* this.afterBrokenStream(threadId, active.id, '');
      else yield* this.runAnswer(threadId);
    }.call(this);
  }

  /** Streams a run on the thread to its end, answering tool calls on the way. */
  private async *runAnswer(threadId: string): AsyncIterable<AnswerEvent> {
    const { assistantId } = await this.session();
    const threads = this.o.client.beta.threads;
    let text = '';
    let stream: AssistantStream | undefined = threads.runs.stream(threadId, { assistant_id: assistantId, model: valueNow(this.o.model) });
    while (stream) {
      const current: AssistantStream = stream;
      stream = undefined;
      let runId: string | undefined;
      let serverEnded = false;
      try {
        for await (const event of guardIdle(current, this.o.idleTimeoutMs ?? 30_000, () => current.abort(), 'getting the answer')) {
          if (event.event === 'thread.run.created') {
            runId = event.data.id;
          } else if (event.event === 'thread.message.delta') {
            for (const part of event.data.delta.content ?? []) {
              if (part.type === 'text' && part.text?.value) {
                text += part.text.value;
                yield { type: 'text-delta', text: part.text.value };
              }
            }
          } else if (event.event === 'thread.run.requires_action') {
            const outputs = yield* this.runTools(event.data);
            // The stream ends after requires_action; the run continues on a new one.
            stream = threads.runs.submitToolOutputsStream(event.data.id, { thread_id: threadId, tool_outputs: outputs });
          } else if (RUN_FAILED.has(event.event)) {
            serverEnded = true;
            throw runEnded(event.data as Run);
          } else if (event.event === 'error') {
            serverEnded = true;
            throw new AssistantError(`the answer stream reported an error: ${event.data.message ?? 'unknown'}`, 'retry');
          }
        }
      } catch (e) {
        const failure = describeApiError(e, this.o.client.baseURL, 'getting the answer', true);
        if (!followOnServer(failure, runId, serverEnded)) throw failure;
        this.o.log.warn({ err: failure.message, runId }, 'answer stream broke: following the run on the server');
        yield* this.afterBrokenStream(threadId, runId, text);
        return;
      }
    }
    yield { type: 'done', text };
  }

  /** The stream is gone but the run goes on: wait for it, then pass on the text not yet spoken. */
  private async *afterBrokenStream(threadId: string, runId: string, spoken: string): AsyncIterable<AnswerEvent> {
    const threads = this.o.client.beta.threads;
    for await (const _look of pollUntilDone(this.o.recoverTimeoutMs ?? 60_000, 'the run did not finish on the server in time')) {
      let run: Run;
      try {
        run = await threads.runs.retrieve(runId, { thread_id: threadId });
      } catch (e) {
        throw describeApiError(e, this.o.client.baseURL, 'following the run after the stream broke', true);
      }
      if (run.status === 'requires_action') {
        const outputs = yield* this.runTools(run);
        await threads.runs.submitToolOutputs(run.id, { thread_id: threadId, tool_outputs: outputs });
      } else if (run.status === 'completed') {
        const messages = (await threads.messages.list(threadId, { run_id: runId, order: 'asc' })).data;
        const full = messages.filter((m) => m.role === 'assistant').map(messageText).join('');
        yield* finishFromServer(full, spoken);
        return;
      } else if (!ACTIVE.has(run.status)) {
        throw runEnded(run);
      }
    }
  }

  /** Answers the run's tool calls; returns their outputs for submit_tool_outputs. */
  private async *runTools(run: Run): AsyncGenerator<AnswerEvent, ToolOutput[]> {
    const outputs: ToolOutput[] = [];
    for (const call of run.required_action?.submit_tool_outputs.tool_calls ?? []) {
      outputs.push({ tool_call_id: call.id, output: yield* runFunctionCall(this.o, call.function) });
    }
    return outputs;
  }

  private async activeRun(threadId: string): Promise<Run | undefined> {
    let runs: Run[];
    try {
      runs = (await this.o.client.beta.threads.runs.list(threadId, { order: 'desc', limit: 1 })).data;
    } catch (e) {
      throw describeApiError(e, this.o.client.baseURL, 'looking for a run still going', true);
    }
    const run = runs[0];
    return run && (ACTIVE.has(run.status) || run.status === 'requires_action') ? run : undefined;
  }

  private session(): Promise<Required<AssistantsSession>> {
    return this.opener.get();
  }

  private async openSession(): Promise<Required<AssistantsSession>> {
    const saved = await this.o.session.read();
    const beta = this.o.client.beta;
    const wanted = functionTool(this.o.tool.definition);
    let assistantId = this.o.assistantId ?? saved.assistantId;
    if (!assistantId) {
      const assistant = await beta.assistants.create({ model: valueNow(this.o.model), name: 'snapask', instructions: this.o.instructions, tools: [wanted] });
      assistantId = assistant.id;
      this.o.log.info({ assistantId }, 'created assistant');
    } else if (this.o.assistantId && saved.assistantId !== this.o.assistantId) {
      await this.adoptAssistant(this.o.assistantId, wanted);
    }
    let threadId = saved.threadId;
    if (!threadId) {
      threadId = (await beta.threads.create()).id;
      this.o.log.info({ threadId }, 'created thread');
    }
    const session = { assistantId, threadId };
    await this.o.session.write(session);
    return session;
  }

  /**
   * A given assistant may carry an old vision function or other tools from
   * before: the images now go in the message, and the only function is ours.
   */
  private async adoptAssistant(id: string, wanted: AssistantTool): Promise<void> {
    const assistant = await this.o.client.beta.assistants.retrieve(id);
    const removed = assistant.tools.flatMap((t) => (t.type === 'function' && t.function.name !== this.o.tool.definition.name ? [t.function.name] : []));
    const kept = assistant.tools.filter((t) => t.type !== 'function');
    const has = assistant.tools.some((t) => t.type === 'function' && t.function.name === this.o.tool.definition.name);
    if (removed.length || !has) {
      await this.o.client.beta.assistants.update(id, { tools: [...kept, wanted] });
      this.o.log.info({ assistantId: id, removed, added: has ? [] : [this.o.tool.definition.name] }, `assistant tools updated${removed.length ? `: removed ${removed.join(', ')}` : ''}`);
    }
  }
}

function functionTool(d: FunctionToolDefinition): AssistantTool {
  return { type: 'function', function: { name: d.name, description: d.description, parameters: { ...d.parameters } } };
}

function runEnded(run: Run): AssistantError {
  const why = run.last_error?.message ?? run.incomplete_details?.reason ?? 'no reason given';
  // A failed or expired run can be tried again; the question is already in the thread.
  return new AssistantError(`the assistant's run ended ${run.status}: ${why}`, run.status === 'failed' || run.status === 'expired' ? 'retry' : 'failed');
}

function messageText(m: Message): string {
  return m.content.map((p) => (p.type === 'text' ? p.text.value : '')).join('');
}

function questionOf(m: Message): Question {
  return {
    text: m.content.map((p) => (p.type === 'text' ? p.text.value : '')).join(' ').trim(),
    fileIds: m.content.flatMap((p) => (p.type === 'image_file' ? [p.image_file.file_id] : [])),
  };
}
