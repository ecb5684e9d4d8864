import { ApiError } from './errors';
import { imageBytes } from './files-routes';
import { answerText, chunkText, type Question, tokenEstimate, wantsZapier, ZAPIER_TOOL, zapierArguments } from './model';
import { isRecord } from './operations';
import { bodyObject, json, type RouteContext, type RouteTable, type StoredFile } from './routes';

/** A conversation item as the double keeps it: the client's input items as sent, and the output items it produced. */
type Item = Record<string, unknown>;

interface ConversationRecord {
  conversation: { id: string; object: 'conversation'; created_at: number; metadata: unknown };
  items: Item[];
}

interface OutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

interface MessageItem {
  id: string;
  type: 'message';
  role: 'assistant';
  status: 'in_progress' | 'completed';
  content: OutputText[];
}

interface FunctionCallItem {
  id: string;
  type: 'function_call';
  status: 'in_progress' | 'completed';
  call_id: string;
  name: string;
  arguments: string;
}

interface McpApprovalRequestItem {
  id: string;
  type: 'mcp_approval_request';
  server_label: string;
  name: string;
  arguments: string;
}

interface McpCallItem {
  id: string;
  type: 'mcp_call';
  server_label: string;
  name: string;
  arguments: string;
  output: string | null;
  error: string | null;
  status: 'completed';
  approval_request_id: string | null;
}

type OutputItem = MessageItem | FunctionCallItem | McpApprovalRequestItem | McpCallItem;

/** The MCP tool the model would use on Zapier's server. */
export const ZAPIER_MCP_ACTION = 'zapier_run_action';

/** What the model decided to do for this turn. */
type Plan =
  | { kind: 'text'; text: string; question: Question; before?: McpCallItem }
  | { kind: 'call'; args: string; question: Question }
  | { kind: 'approval'; args: string; question: Question; label: string };

/** Conversations + Responses: the Assistants API's successor, with the same deterministic model. */
/** `questions` collects the text of every user message stored in a conversation. */
export function responsesRoutes(questions: string[] = []): RouteTable {
  const conversations = new Map<string, ConversationRecord>();
  const responses = new Map<string, { response: Record<string, unknown>; history: Item[] }>();

  const requireConversation = (id: string): ConversationRecord => {
    const c = conversations.get(id);
    if (!c) throw new ApiError(404, `Conversation with id '${id}' not found.`, 'invalid_request_error', 'conversation_id');
    return c;
  };

  return {
    'POST /conversations': (ctx) => {
      const b = bodyObject(ctx);
      const items = Array.isArray(b.items) ? b.items.filter(isRecord) : [];
      checkImageIds(items, ctx.files, 'items');
      const record: ConversationRecord = {
        conversation: { id: ctx.ids.next('conv_'), object: 'conversation', created_at: ctx.now(), metadata: isRecord(b.metadata) ? b.metadata : {} },
        items: [...items],
      };
      conversations.set(record.conversation.id, record);
      return json(record.conversation);
    },
    'GET /conversations/{conversation_id}': (ctx) => json(requireConversation(ctx.params.conversation_id as string).conversation),
    'DELETE /conversations/{conversation_id}': (ctx) => {
      const c = requireConversation(ctx.params.conversation_id as string);
      conversations.delete(c.conversation.id);
      return json({ object: 'conversation.deleted', deleted: true, id: c.conversation.id });
    },
    'GET /conversations/{conversation_id}/items': (ctx) => {
      const c = requireConversation(ctx.params.conversation_id as string);
      const desc = ctx.query.get('order') !== 'asc';
      const limit = Math.min(100, Math.max(1, Number(ctx.query.get('limit') ?? 20) || 20));
      let items = desc ? [...c.items].reverse() : [...c.items];
      const after = ctx.query.get('after');
      if (after) items = items.slice(items.findIndex((i) => i.id === after) + 1);
      const data = items.slice(0, limit);
      return json({ object: 'list', data, first_id: String(data[0]?.id ?? ''), last_id: String(data[data.length - 1]?.id ?? ''), has_more: items.length > limit });
    },
    'POST /conversations/{conversation_id}/items': (ctx) => {
      const c = requireConversation(ctx.params.conversation_id as string);
      const b = bodyObject(ctx);
      const items = Array.isArray(b.items) ? b.items.filter(isRecord) : [];
      checkImageIds(items, ctx.files, 'items');
      const stored = items.map((i) => storedItem(ctx, i));
      c.items.push(...stored);
      noteQuestions(stored, questions);
      return json({ object: 'list', data: stored, first_id: String(stored[0]?.id ?? ''), last_id: String(stored[stored.length - 1]?.id ?? ''), has_more: false });
    },
    'GET /responses/{response_id}': (ctx) => {
      const r = responses.get(ctx.params.response_id as string);
      if (!r) throw new ApiError(404, `Response with id '${ctx.params.response_id}' not found.`, 'invalid_request_error', 'response_id');
      return json(r.response);
    },

    'POST /responses': async (ctx) => {
      const b = bodyObject(ctx);
      const conversationId = typeof b.conversation === 'string' ? b.conversation : isRecord(b.conversation) ? String(b.conversation.id) : undefined;
      const previousId = typeof b.previous_response_id === 'string' ? b.previous_response_id : undefined;
      if (conversationId && previousId) {
        throw new ApiError(400, "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.", 'invalid_request_error', null, 'mutually_exclusive_parameters');
      }
      const conversation = conversationId ? requireConversation(conversationId) : undefined;
      let history: Item[] = conversation ? conversation.items : [];
      if (previousId) {
        const prev = responses.get(previousId);
        if (!prev) throw new ApiError(400, `Previous response with id '${previousId}' not found.`, 'invalid_request_error', 'previous_response_id', 'previous_response_not_found');
        history = prev.history;
      }
      const input: Item[] = typeof b.input === 'string' ? [{ type: 'message', role: 'user', content: b.input }] : Array.isArray(b.input) ? b.input.filter(isRecord) : [];
      checkImageIds(input, ctx.files, 'input');

      const plan = decide([...history, ...input], functionNames(b.tools), mcpTool(b.tools), ctx.files, ctx);
      // The input joins the conversation as the response is created, before any event: a client that
      // loses the stream (or sees the response fail) finds its question there at once.
      const before = [...history];
      const storedInput = input.map((i) => storedItem(ctx, i));
      if (conversation) {
        conversation.items.push(...storedInput);
        noteQuestions(storedInput, questions);
      }
      const output: OutputItem[] = [];
      const response = newResponse(ctx, b, conversationId, output);
      const stream = b.stream === true ? ctx.openStream('responses') : undefined;
      let sequence = 0;
      const emit = async (type: string, fields: Record<string, unknown>): Promise<void> => {
        if (stream) await stream.send(type, { type, sequence_number: sequence++, ...fields });
      };

      await emit('response.created', { response });
      await emit('response.in_progress', { response });
      const outcome = ctx.outcome;
      if (outcome) {
        await endResponse(response, outcome, emit);
      } else if (plan.kind === 'call') {
        const item: FunctionCallItem = { id: ctx.ids.next('fc_'), type: 'function_call', status: 'in_progress', call_id: ctx.ids.next('call_'), name: ZAPIER_TOOL, arguments: '' };
        output.push(item);
        await emit('response.output_item.added', { output_index: 0, item });
        for (const delta of chunkText(plan.args, 2)) {
          item.arguments += delta;
          await emit('response.function_call_arguments.delta', { item_id: item.id, output_index: 0, delta });
        }
        item.status = 'completed';
        await emit('response.function_call_arguments.done', { item_id: item.id, name: item.name, output_index: 0, arguments: item.arguments });
        await emit('response.output_item.done', { output_index: 0, item });
      } else if (plan.kind === 'approval') {
        const item: McpApprovalRequestItem = { id: ctx.ids.next('mcpr_'), type: 'mcp_approval_request', server_label: plan.label, name: ZAPIER_MCP_ACTION, arguments: plan.args };
        output.push(item);
        await emit('response.output_item.added', { output_index: 0, item });
        await emit('response.output_item.done', { output_index: 0, item });
      } else {
        let index = 0;
        if (plan.before) {
          output.push(plan.before);
          await emit('response.output_item.added', { output_index: index, item: plan.before });
          await emit('response.output_item.done', { output_index: index, item: plan.before });
          index++;
        }
        const item: MessageItem = { id: ctx.ids.next('msg_'), type: 'message', role: 'assistant', status: 'in_progress', content: [] };
        output.push(item);
        await emit('response.output_item.added', { output_index: index, item });
        const part: OutputText = { type: 'output_text', text: '', annotations: [], logprobs: [] };
        await emit('response.content_part.added', { item_id: item.id, output_index: index, content_index: 0, part });
        for (const delta of chunkText(plan.text)) {
          part.text += delta;
          await emit('response.output_text.delta', { item_id: item.id, output_index: index, content_index: 0, delta, logprobs: [] });
        }
        await emit('response.output_text.done', { item_id: item.id, output_index: index, content_index: 0, text: part.text, logprobs: [] });
        await emit('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part });
        item.content = [part];
        item.status = 'completed';
        await emit('response.output_item.done', { output_index: index, item });
      }
      const produced = plan.kind === 'text' ? plan.text : plan.args;
      const inputTokens = tokenEstimate(plan.question.text) + 85 * plan.question.images.length;
      const outputTokens = tokenEstimate(produced);
      Object.assign(response, {
        ...(outcome ? {} : { status: 'completed', completed_at: ctx.now() }),
        usage: {
          input_tokens: inputTokens,
          input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
          output_tokens: outputTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: inputTokens + outputTokens,
        },
      });

      // The output is stored even if the client went away mid-stream, as the real service does.
      const outputItems = output.map((o) => ({ ...o }) as Item);
      if (conversation) conversation.items.push(...outputItems);
      responses.set(String(response.id), { response, history: [...before, ...storedInput, ...outputItems] });

      if (!stream) return json(response);
      if (!outcome) await emit('response.completed', { response });
      await stream.end();
      return { kind: 'streamed' };
    },
  };
}

function noteQuestions(items: Item[], questions: string[]): void {
  for (const item of items) {
    if (!isMessage(item) || item.role !== 'user' || !Array.isArray(item.content)) continue;
    questions.push(item.content.filter(isRecord).map((p) => (p.type === 'input_text' ? String(p.text) : '')).join(' ').trim());
  }
}

type Emit = (type: string, fields: Record<string, unknown>) => Promise<void>;

/** An injected ending: the response stops without an answer; the question stays in the conversation. */
async function endResponse(response: Record<string, unknown>, outcome: string, emit: Emit): Promise<void> {
  if (outcome === 'incomplete') {
    Object.assign(response, { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    await emit('response.incomplete', { response });
  } else if (outcome === 'error-event') {
    Object.assign(response, { status: 'failed', error: { code: 'server_error', message: 'The server had an error while processing your request.' } });
    await emit('error', { code: 'server_error', message: 'The server had an error while processing your request.', param: null });
  } else {
    Object.assign(response, { status: 'failed', error: { code: 'server_error', message: 'The server had an error while processing your request.' } });
    await emit('response.failed', { response });
  }
}

/** An input item as a conversation keeps it: with an id and a status, as the real API lists it. */
function storedItem(ctx: RouteContext, item: Item): Item {
  if (typeof item.id === 'string' && item.type !== undefined && item.type !== 'message') return { ...item };
  if (isMessage(item)) {
    const content = typeof item.content === 'string' ? [{ type: 'input_text', text: item.content }] : item.content;
    return { id: ctx.ids.next('msg_'), type: 'message', role: item.role, status: 'completed', content };
  }
  if (item.type === 'function_call_output') return { id: ctx.ids.next('fco_'), type: 'function_call_output', call_id: item.call_id, output: item.output, status: 'completed' };
  if (item.type === 'mcp_approval_response') {
    return { id: ctx.ids.next('mcpa_'), type: 'mcp_approval_response', approval_request_id: item.approval_request_id, approve: item.approve, reason: item.reason ?? null };
  }
  return { id: ctx.ids.next('item_'), ...item };
}

function newResponse(ctx: RouteContext, b: Record<string, unknown>, conversationId: string | undefined, output: OutputItem[]): Record<string, unknown> {
  return {
    id: ctx.ids.next('resp_'),
    object: 'response',
    created_at: ctx.now(),
    status: 'in_progress',
    background: false,
    completed_at: null,
    conversation: conversationId ? { id: conversationId } : null,
    error: null,
    incomplete_details: null,
    instructions: typeof b.instructions === 'string' ? b.instructions : null,
    max_output_tokens: typeof b.max_output_tokens === 'number' ? b.max_output_tokens : null,
    model: typeof b.model === 'string' ? b.model : 'gpt-4o',
    output,
    parallel_tool_calls: typeof b.parallel_tool_calls === 'boolean' ? b.parallel_tool_calls : true,
    previous_response_id: typeof b.previous_response_id === 'string' ? b.previous_response_id : null,
    reasoning: null,
    store: b.store !== false,
    temperature: typeof b.temperature === 'number' ? b.temperature : 1,
    text: isRecord(b.text) ? b.text : { format: { type: 'text' } },
    tool_choice: b.tool_choice ?? 'auto',
    tools: Array.isArray(b.tools) ? b.tools : [],
    top_p: typeof b.top_p === 'number' ? b.top_p : 1,
    truncation: 'disabled',
    metadata: isRecord(b.metadata) ? b.metadata : {},
  };
}

/**
 * Reads the whole turn history: answer the latest user message, calling zapier first when asked
 * and offered; once its output is in the history, answer with it.
 */
function decide(items: Item[], toolNames: string[], mcp: { label: string; approval: boolean } | undefined, files: Map<string, StoredFile>, ctx: RouteContext): Plan {
  let lastUser = -1;
  items.forEach((item, i) => {
    if (isMessage(item) && item.role === 'user') lastUser = i;
  });
  const question = lastUser < 0 ? { text: '', images: [] } : questionOf(items[lastUser] as Item, files, lastUser);
  const since = items.slice(lastUser + 1);
  const calls = since.filter((i) => i.type === 'function_call');
  const outputs = since.filter((i) => i.type === 'function_call_output');
  for (const call of calls) {
    if (!outputs.some((o) => o.call_id === call.call_id)) {
      throw new ApiError(400, `No tool output found for function call ${String(call.call_id)}.`, 'invalid_request_error', 'input');
    }
  }
  const zapierCall = calls.find((c) => c.name === ZAPIER_TOOL);
  if (zapierCall) {
    const out = outputs.find((o) => o.call_id === zapierCall.call_id);
    return { kind: 'text', text: answerText(question, outputText(out?.output)), question };
  }
  if (wantsZapier(question, toolNames)) return { kind: 'call', args: zapierArguments(question), question };
  if (mcp && /\bzapier\b/i.test(question.text)) {
    if (since.some((i) => i.type === 'mcp_call')) return { kind: 'text', text: answerText(question), question };
    const request = since.find((i) => i.type === 'mcp_approval_request');
    const decision = request && since.find((i) => i.type === 'mcp_approval_response' && i.approval_request_id === request.id);
    if (request && !decision) {
      throw new ApiError(400, `No approval response found for MCP approval request ${String(request.id)}.`, 'invalid_request_error', 'input');
    }
    if (!mcp.approval || decision?.approve === true) {
      const call: McpCallItem = {
        id: ctx.ids.next('mcp_'), type: 'mcp_call', server_label: mcp.label, name: ZAPIER_MCP_ACTION, arguments: zapierArguments(question),
        output: 'Zapier ran the action.', error: null, status: 'completed', approval_request_id: request ? String(request.id) : null,
      };
      return { kind: 'text', text: answerText(question, 'Zapier ran the action.'), question, before: call };
    }
    if (decision) return { kind: 'text', text: `The action was not approved, so it did not run. ${answerText(question)}`, question };
    return { kind: 'approval', args: zapierArguments(question), question, label: mcp.label };
  }
  return { kind: 'text', text: answerText(question), question };
}

/** The MCP tool offered, if any: its label and whether every call needs approval. */
function mcpTool(tools: unknown): { label: string; approval: boolean } | undefined {
  if (!Array.isArray(tools)) return undefined;
  const t = tools.filter(isRecord).find((x) => x.type === 'mcp');
  if (!t) return undefined;
  return { label: String(t.server_label), approval: t.require_approval !== 'never' };
}

function isMessage(item: Item): boolean {
  return item.type === 'message' || (item.type === undefined && typeof item.role === 'string');
}

function questionOf(item: Item, files: Map<string, StoredFile>, index: number): Question {
  if (typeof item.content === 'string') return { text: item.content, images: [] };
  const texts: string[] = [];
  const images: Question['images'] = [];
  const parts = Array.isArray(item.content) ? item.content : [];
  parts.forEach((part, j) => {
    if (!isRecord(part)) return;
    if (part.type === 'input_text' && typeof part.text === 'string') texts.push(part.text);
    if (part.type === 'input_image' && typeof part.file_id === 'string') {
      images.push({ fileId: part.file_id, bytes: imageBytes(files, part.file_id, `input[${index}].content[${j}].file_id`) });
    }
  });
  return { text: texts.join(' '), images };
}

/** Unknown image file ids are refused when the request arrives, as the real API does. */
function checkImageIds(items: Item[], files: Map<string, StoredFile>, param: string): void {
  items.forEach((item, i) => {
    if (!Array.isArray(item.content)) return;
    item.content.forEach((part, j) => {
      if (isRecord(part) && part.type === 'input_image' && typeof part.file_id === 'string') imageBytes(files, part.file_id, `${param}[${i}].content[${j}].file_id`);
    });
  });
}

/** function_call_output.output is a string or a list of content parts. */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return output.filter(isRecord).map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
  return '';
}

/** Names of function tools in Responses shape ({type: 'function', name}). */
function functionNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.filter(isRecord).flatMap((t) => (t.type === 'function' && typeof t.name === 'string' ? [t.name] : []));
}
