import { createHash } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import type { AssistantStream } from 'openai/lib/AssistantStream';
import type { MessageContentPartParam } from 'openai/resources/beta/threads/messages';
import type { Logger } from 'pino';
import type { JsonStateFile } from '../spool/json-state-file';
import { describeApiError } from './api-errors';
import type { AnswerEvent, ImageDetail, Question, ThreadManager, UploadedImage } from './thread-manager';
import { AssistantError } from './thread-manager';
import type { ToolRunner } from './zapier-tool';

export interface AssistantsSession {
  assistantId?: string;
  threadId?: string;
}

export interface AssistantsThreadManagerOptions {
  client: OpenAI;
  model: string;
  instructions: string;
  detail: ImageDetail;
  /** An existing assistant to use; otherwise one is created and remembered. */
  assistantId?: string;
  tool: ToolRunner;
  session: JsonStateFile<AssistantsSession>;
  log: Logger;
}

/** The Assistants schema knows low, high and auto only; `original` (Responses) is nearest to `high`. */
function assistantsDetail(d: ImageDetail): 'low' | 'high' | 'auto' {
  return d === 'original' ? 'high' : d;
}

const RUN_FAILED = new Set(['thread.run.failed', 'thread.run.expired', 'thread.run.cancelled', 'thread.run.incomplete']);

/**
 * The Assistants dialect (threads, messages, runs), for servers that still offer
 * it: one assistant and one thread for the device, a user message per question
 * with text and `image_file` parts, a streamed run, the Zapier tool answered
 * through `submit_tool_outputs`.
 */
export class AssistantsThreadManager implements ThreadManager {
  readonly dialect = 'assistants' as const;
  private sessionReady?: Promise<Required<AssistantsSession>>;

  constructor(private readonly o: AssistantsThreadManagerOptions) {}

  async uploadImage(jpeg: Buffer, filename: string): Promise<UploadedImage> {
    const started = performance.now();
    try {
      const file = await this.o.client.files.create({
        file: await toFile(jpeg, filename, { type: 'image/jpeg' }),
        purpose: 'vision',
      });
      return {
        fileId: file.id,
        bytes: jpeg.length,
        sha256: createHash('sha256').update(jpeg).digest('hex'),
        ms: performance.now() - started,
      };
    } catch (e) {
      throw describeApiError(e, this.o.client.baseURL, `uploading ${filename}`);
    }
  }

  async *ask(question: Question): AsyncIterable<AnswerEvent> {
    const { assistantId, threadId } = await this.session();
    const content: MessageContentPartParam[] = [
      { type: 'text', text: question.text },
      ...question.fileIds.map((file_id): MessageContentPartParam => ({ type: 'image_file', image_file: { file_id, detail: assistantsDetail(this.o.detail) } })),
    ];
    const threads = this.o.client.beta.threads;
    try {
      await threads.messages.create(threadId, { role: 'user', content });
    } catch (e) {
      throw describeApiError(e, this.o.client.baseURL, 'sending the question', true);
    }
    yield { type: 'request-sent', dialect: this.dialect };

    let text = '';
    let stream: AssistantStream | undefined = threads.runs.stream(threadId, { assistant_id: assistantId });
    while (stream) {
      const current: AssistantStream = stream;
      stream = undefined;
      try {
        for await (const event of current) {
          if (event.event === 'thread.message.delta') {
            for (const part of event.data.delta.content ?? []) {
              if (part.type === 'text' && part.text?.value) {
                text += part.text.value;
                yield { type: 'text-delta', text: part.text.value };
              }
            }
          } else if (event.event === 'thread.run.requires_action') {
            const run = event.data;
            const calls = run.required_action?.submit_tool_outputs.tool_calls ?? [];
            const tool_outputs: { tool_call_id: string; output: string }[] = [];
            for (const call of calls) {
              const output = await this.o.tool.run(call.function.name, call.function.arguments);
              this.o.log.info({ tool: call.function.name }, 'tool call answered');
              yield { type: 'tool-call', name: call.function.name, arguments: call.function.arguments, output };
              tool_outputs.push({ tool_call_id: call.id, output });
            }
            // The stream ends after requires_action; the run continues on a new one.
            stream = threads.runs.submitToolOutputsStream(run.id, { thread_id: threadId, tool_outputs });
          } else if (RUN_FAILED.has(event.event)) {
            const run = event.data as { status: string; last_error?: { message?: string } | null; incomplete_details?: { reason?: string } | null };
            const why = run.last_error?.message ?? run.incomplete_details?.reason ?? 'no reason given';
            throw new AssistantError(`the assistant's run ended ${run.status}: ${why}`);
          } else if (event.event === 'error') {
            throw new AssistantError(`the answer stream reported an error: ${event.data.message ?? 'unknown'}`);
          }
        }
      } catch (e) {
        throw describeApiError(e, this.o.client.baseURL, 'getting the answer', true);
      }
    }
    yield { type: 'done', text };
  }

  private session(): Promise<Required<AssistantsSession>> {
    this.sessionReady ??= this.openSession().catch((e: unknown) => {
      this.sessionReady = undefined; // try again on the next question
      throw describeApiError(e, this.o.client.baseURL, 'opening the assistant thread', true);
    });
    return this.sessionReady;
  }

  private async openSession(): Promise<Required<AssistantsSession>> {
    const saved = await this.o.session.read();
    const beta = this.o.client.beta;
    let assistantId = this.o.assistantId ?? saved.assistantId;
    if (!assistantId) {
      const assistant = await beta.assistants.create({
        model: this.o.model,
        name: 'snapask',
        instructions: this.o.instructions,
        tools: [{ type: 'function', function: { ...this.o.tool.definition, parameters: { ...this.o.tool.definition.parameters } } }],
      });
      assistantId = assistant.id;
      this.o.log.info({ assistantId }, 'created assistant');
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
}
