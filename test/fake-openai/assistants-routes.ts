import { addUsage, functionNames, latestQuestion, newMessage, newRun, newStep, str, usageFor, userContent } from './assistants-objects';
import type { AssistantObj, MessageObj, RunObj, StepObj, ThreadObj } from './assistants-types';
import { ApiError, notFound } from './errors';
import { answerText, chunkText, type Question, wantsZapier, ZAPIER_TOOL, zapierArguments } from './model';
import { isRecord } from './operations';
import { bodyObject, json, type RouteContext, type RouteResult, type RouteTable } from './routes';

/** What a run waits for while it sits in requires_action. */
interface PendingCall {
  stepId: string;
  callId: string;
  question: Question;
}

interface RunRecord {
  run: RunObj;
  pending?: PendingCall;
}

interface ThreadRecord {
  thread: ThreadObj;
  messages: MessageObj[];
  runs: Map<string, RunRecord>;
}

type Emit = (event: string, data: unknown) => Promise<void>;

const ACTIVE: ReadonlySet<RunObj['status']> = new Set(['queued', 'in_progress', 'requires_action', 'cancelling']);

/** Assistants API (assistants, threads, messages, runs) with the deterministic model behind runs. */
/** `questions` collects the text of every user message stored in a thread. */
export function assistantsRoutes(questions: string[] = []): RouteTable {
  const assistants = new Map<string, AssistantObj>();
  const threads = new Map<string, ThreadRecord>();
  const steps = new Map<string, StepObj>();

  const requireAssistant = (id: string): AssistantObj => {
    const a = assistants.get(id);
    if (!a) throw notFound('assistant', id, 'assistant_id');
    return a;
  };
  const requireThread = (id: string): ThreadRecord => {
    const t = threads.get(id);
    if (!t) throw notFound('thread', id, 'thread_id');
    return t;
  };
  const requireRun = (ctx: RouteContext): { thread: ThreadRecord; record: RunRecord } => {
    const thread = requireThread(ctx.params.thread_id as string);
    const record = thread.runs.get(ctx.params.run_id as string);
    if (!record) throw notFound('run', ctx.params.run_id as string, 'run_id');
    return { thread, record };
  };

  const addMessage = (ctx: RouteContext, thread: ThreadRecord, request: unknown, param: string): MessageObj => {
    const activeRun = [...thread.runs.values()].find((r) => ACTIVE.has(r.run.status));
    if (activeRun) {
      throw new ApiError(400, `Can't add messages to ${thread.thread.id} while a run ${activeRun.run.id} is active.`, 'invalid_request_error', null, null);
    }
    const m = isRecord(request) ? request : {};
    const content = userContent(m.content, ctx.files, param);
    const message = newMessage(ctx, thread.thread.id, m.role === 'assistant' ? 'assistant' : 'user', content, 'completed');
    message.attachments = Array.isArray(m.attachments) ? m.attachments : [];
    message.metadata = isRecord(m.metadata) ? (m.metadata as Record<string, string>) : {};
    thread.messages.push(message);
    if (message.role === 'user') questions.push(content.map((c) => (isRecord(c) && c.type === 'text' && isRecord(c.text) ? String(c.text.value) : '')).join(' ').trim());
    return message;
  };

  /** The message step of a run: stream the answer a few words at a time, then complete the run. */
  const answer = async (ctx: RouteContext, thread: ThreadRecord, run: RunObj, text: string, emit: Emit): Promise<void> => {
    const message = newMessage(ctx, thread.thread.id, 'assistant', [], 'in_progress');
    message.assistant_id = run.assistant_id;
    message.run_id = run.id;
    const step = newStep(ctx, run, { type: 'message_creation', message_creation: { message_id: message.id } });
    steps.set(step.id, step);
    await emit('thread.run.step.created', step);
    await emit('thread.run.step.in_progress', step);
    thread.messages.push(message);
    await emit('thread.message.created', message);
    await emit('thread.message.in_progress', message);
    let value = '';
    for (const chunk of chunkText(text)) {
      value += chunk;
      await emit('thread.message.delta', {
        id: message.id,
        object: 'thread.message.delta',
        delta: { content: [{ index: 0, type: 'text', text: { value: chunk, annotations: [] } }] },
      });
    }
    message.content = [{ type: 'text', text: { value, annotations: [] } }];
    message.status = 'completed';
    message.completed_at = ctx.now();
    await emit('thread.message.completed', message);
    const usage = usageFor(run.instructions + text, text);
    Object.assign(step, { status: 'completed', completed_at: ctx.now(), usage });
    await emit('thread.run.step.completed', step);
    Object.assign(run, { status: 'completed', completed_at: ctx.now(), expires_at: null, usage: addUsage(run.usage, usage) });
    await emit('thread.run.completed', run);
  };

  /** The tool step: stream the function call, then stop in requires_action like the real API. */
  const callZapier = async (ctx: RouteContext, record: RunRecord, question: Question, emit: Emit): Promise<void> => {
    const run = record.run;
    const step = newStep(ctx, run, { type: 'tool_calls', tool_calls: [] });
    steps.set(step.id, step);
    await emit('thread.run.step.created', step);
    await emit('thread.run.step.in_progress', step);
    const callId = ctx.ids.next('call_');
    const args = zapierArguments(question);
    await emit('thread.run.step.delta', {
      id: step.id,
      object: 'thread.run.step.delta',
      delta: { step_details: { type: 'tool_calls', tool_calls: [{ index: 0, id: callId, type: 'function', function: { name: ZAPIER_TOOL, arguments: '', output: null } }] } },
    });
    for (const piece of chunkText(args, 2)) {
      await emit('thread.run.step.delta', {
        id: step.id,
        object: 'thread.run.step.delta',
        delta: { step_details: { type: 'tool_calls', tool_calls: [{ index: 0, type: 'function', function: { arguments: piece } }] } },
      });
    }
    step.step_details = { type: 'tool_calls', tool_calls: [{ id: callId, type: 'function', function: { name: ZAPIER_TOOL, arguments: args, output: null } }] };
    record.pending = { stepId: step.id, callId, question };
    run.status = 'requires_action';
    run.required_action = { type: 'submit_tool_outputs', submit_tool_outputs: { tool_calls: [{ id: callId, type: 'function', function: { name: ZAPIER_TOOL, arguments: args } }] } };
    await emit('thread.run.requires_action', run);
  };

  /** An injected ending: the run stops without an answer, as the real API's runs sometimes do. */
  const endRun = async (ctx: RouteContext, run: RunObj, outcome: NonNullable<RouteContext['outcome']>, emit: Emit): Promise<void> => {
    if (outcome === 'error-event') {
      Object.assign(run, { status: 'failed', failed_at: ctx.now(), last_error: { code: 'server_error', message: 'The server had an error while processing your request.' } });
      await emit('error', { code: 'server_error', message: 'The server had an error while processing your request.', param: null, type: 'server_error' });
      return;
    }
    const at = ctx.now();
    if (outcome === 'failed') Object.assign(run, { status: 'failed', failed_at: at, last_error: { code: 'server_error', message: 'Something went wrong.' } });
    if (outcome === 'expired') Object.assign(run, { status: 'expired', expires_at: null, failed_at: at });
    if (outcome === 'cancelled') Object.assign(run, { status: 'cancelled', cancelled_at: at });
    if (outcome === 'incomplete') Object.assign(run, { status: 'incomplete', incomplete_details: { reason: 'max_completion_tokens' } });
    await emit(`thread.run.${outcome}`, run);
  };

  /** Runs the same code for streaming and plain requests; only where the events go differs. */
  const respond = async (ctx: RouteContext, stream: boolean, work: (emit: Emit) => Promise<void>, result: () => RunObj): Promise<RouteResult> => {
    if (!stream) {
      await work(async () => undefined);
      return json(result());
    }
    const sse = ctx.openStream('assistants');
    await work((event, data) => sse.send(event, data));
    await sse.sendRaw('done', '[DONE]');
    await sse.end();
    return { kind: 'streamed' };
  };

  return {
    'POST /assistants': (ctx) => {
      const b = bodyObject(ctx);
      const a: AssistantObj = {
        id: ctx.ids.next('asst_'),
        object: 'assistant',
        created_at: ctx.now(),
        name: str(b.name),
        description: str(b.description),
        model: String(b.model),
        instructions: str(b.instructions),
        tools: Array.isArray(b.tools) ? b.tools : [],
        tool_resources: isRecord(b.tool_resources) ? b.tool_resources : {},
        metadata: isRecord(b.metadata) ? (b.metadata as Record<string, string>) : {},
        temperature: typeof b.temperature === 'number' ? b.temperature : 1,
        top_p: typeof b.top_p === 'number' ? b.top_p : 1,
        response_format: b.response_format ?? 'auto',
      };
      assistants.set(a.id, a);
      return json(a);
    },
    'GET /assistants/{assistant_id}': (ctx) => json(requireAssistant(ctx.params.assistant_id as string)),
    'POST /assistants/{assistant_id}': (ctx) => {
      const a = requireAssistant(ctx.params.assistant_id as string);
      const b = bodyObject(ctx);
      for (const key of ['name', 'description', 'model', 'instructions', 'tools', 'tool_resources', 'metadata', 'temperature', 'top_p', 'response_format'] as const) {
        if (b[key] !== undefined) (a as unknown as Record<string, unknown>)[key] = b[key];
      }
      return json(a);
    },
    'DELETE /assistants/{assistant_id}': (ctx) => {
      const a = requireAssistant(ctx.params.assistant_id as string);
      assistants.delete(a.id);
      return json({ id: a.id, object: 'assistant.deleted', deleted: true });
    },

    'POST /threads': (ctx) => {
      const b = bodyObject(ctx);
      const thread: ThreadRecord = {
        thread: {
          id: ctx.ids.next('thread_'),
          object: 'thread',
          created_at: ctx.now(),
          tool_resources: isRecord(b.tool_resources) ? b.tool_resources : {},
          metadata: isRecord(b.metadata) ? (b.metadata as Record<string, string>) : {},
        },
        messages: [],
        runs: new Map(),
      };
      const initial = Array.isArray(b.messages) ? b.messages : [];
      initial.forEach((m, i) => addMessage(ctx, thread, m, `messages[${i}].content`));
      threads.set(thread.thread.id, thread);
      return json(thread.thread);
    },
    'GET /threads/{thread_id}': (ctx) => json(requireThread(ctx.params.thread_id as string).thread),
    'DELETE /threads/{thread_id}': (ctx) => {
      const t = requireThread(ctx.params.thread_id as string);
      threads.delete(t.thread.id);
      return json({ id: t.thread.id, object: 'thread.deleted', deleted: true });
    },

    'POST /threads/{thread_id}/messages': (ctx) => json(addMessage(ctx, requireThread(ctx.params.thread_id as string), ctx.body, 'content')),
    'GET /threads/{thread_id}/messages': (ctx) => {
      const t = requireThread(ctx.params.thread_id as string);
      let list = t.messages.slice();
      const runId = ctx.query.get('run_id');
      if (runId) list = list.filter((m) => m.run_id === runId);
      if (ctx.query.get('order') !== 'asc') list.reverse();
      const after = ctx.query.get('after');
      if (after) list = list.slice(list.findIndex((m) => m.id === after) + 1);
      const limit = Number(ctx.query.get('limit') ?? 20);
      const data = list.slice(0, limit);
      return json({ object: 'list', data, first_id: data[0]?.id ?? '', last_id: data[data.length - 1]?.id ?? '', has_more: list.length > data.length });
    },

    'POST /threads/{thread_id}/runs': async (ctx) => {
      const thread = requireThread(ctx.params.thread_id as string);
      const b = bodyObject(ctx);
      const assistant = requireAssistant(String(b.assistant_id));
      if (Array.isArray(b.additional_messages)) {
        b.additional_messages.forEach((m, i) => addMessage(ctx, thread, m, `additional_messages[${i}].content`));
      }
      const active = [...thread.runs.values()].find((r) => ACTIVE.has(r.run.status));
      if (active) throw new ApiError(400, `Thread ${thread.thread.id} already has an active run ${active.run.id}.`);
      const question = latestQuestion(thread.messages, ctx.files);
      const run = newRun(ctx, thread.thread.id, assistant, b);
      const record: RunRecord = { run };
      thread.runs.set(run.id, record);
      const toolNames = functionNames(run.tools);
      return respond(
        ctx,
        b.stream === true,
        async (emit) => {
          await emit('thread.run.created', run);
          await emit('thread.run.queued', run);
          Object.assign(run, { status: 'in_progress', started_at: ctx.now() });
          await emit('thread.run.in_progress', run);
          if (ctx.outcome) await endRun(ctx, run, ctx.outcome, emit);
          else if (wantsZapier(question, toolNames)) await callZapier(ctx, record, question, emit);
          else await answer(ctx, thread, run, answerText(question), emit);
        },
        () => run,
      );
    },
    'GET /threads/{thread_id}/runs/{run_id}': (ctx) => json(requireRun(ctx).record.run),
    'GET /threads/{thread_id}/runs': (ctx) => {
      const thread = requireThread(ctx.params.thread_id as string);
      const runs = [...thread.runs.values()].map((r) => r.run);
      if (ctx.query.get('order') !== 'asc') runs.reverse();
      const limit = Math.min(100, Math.max(1, Number(ctx.query.get('limit') ?? 20) || 20));
      const data = runs.slice(0, limit);
      return json({ object: 'list', data, first_id: data[0]?.id ?? '', last_id: data[data.length - 1]?.id ?? '', has_more: runs.length > limit });
    },
    'POST /threads/{thread_id}/runs/{run_id}/cancel': (ctx) => {
      const { record } = requireRun(ctx);
      const run = record.run;
      if (!ACTIVE.has(run.status)) throw new ApiError(400, `Cannot cancel run with status '${run.status}'.`);
      Object.assign(run, { status: 'cancelled', cancelled_at: ctx.now(), required_action: null, expires_at: null });
      delete record.pending;
      return json(run);
    },
    'POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs': async (ctx) => {
      const { thread, record } = requireRun(ctx);
      const run = record.run;
      const pending = record.pending;
      if (run.status !== 'requires_action' || !pending) {
        throw new ApiError(400, `Runs in status "${run.status}" do not accept tool outputs.`);
      }
      const b = bodyObject(ctx);
      const outputs = Array.isArray(b.tool_outputs) ? b.tool_outputs.filter(isRecord) : [];
      const mine = outputs.find((o) => o.tool_call_id === pending.callId);
      if (!mine) {
        const got = outputs.map((o) => String(o.tool_call_id));
        throw new ApiError(400, `Expected tool outputs for call_ids ['${pending.callId}'], got [${got.map((g) => `'${g}'`).join(', ')}]`, 'invalid_request_error', 'tool_outputs');
      }
      const output = typeof mine.output === 'string' ? mine.output : '';
      delete record.pending;
      return respond(
        ctx,
        b.stream === true,
        async (emit) => {
          const step = steps.get(pending.stepId);
          if (step && step.step_details.type === 'tool_calls') {
            for (const call of step.step_details.tool_calls) call.function.output = output;
            Object.assign(step, { status: 'completed', completed_at: ctx.now(), usage: usageFor(pending.question.text, output) });
            await emit('thread.run.step.completed', step);
          }
          Object.assign(run, { status: 'queued', required_action: null });
          await emit('thread.run.queued', run);
          run.status = 'in_progress';
          await emit('thread.run.in_progress', run);
          await answer(ctx, thread, run, answerText(pending.question, output), emit);
        },
        () => run,
      );
    },
  };
}
