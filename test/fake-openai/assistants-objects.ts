import type { AssistantObj, ContentPart, MessageObj, RunObj, StepObj, Usage } from './assistants-types';
import { imageBytes } from './files-routes';
import { type Question, tokenEstimate } from './model';
import { isRecord } from './operations';
import type { RouteContext, StoredFile } from './routes';

/** Builders for the spec-shaped Assistants objects, and readers of what clients put in them. */

const RUN_TTL_SECONDS = 600;

export function newMessage(ctx: RouteContext, threadId: string, role: 'user' | 'assistant', content: ContentPart[], status: MessageObj['status']): MessageObj {
  const now = ctx.now();
  return {
    id: ctx.ids.next('msg_'),
    object: 'thread.message',
    created_at: now,
    thread_id: threadId,
    status,
    incomplete_details: null,
    completed_at: status === 'completed' ? now : null,
    incomplete_at: null,
    role,
    content,
    assistant_id: null,
    run_id: null,
    attachments: [],
    metadata: {},
  };
}

export function newStep(ctx: RouteContext, run: RunObj, details: StepObj['step_details']): StepObj {
  return {
    id: ctx.ids.next('step_'),
    object: 'thread.run.step',
    created_at: ctx.now(),
    assistant_id: run.assistant_id,
    thread_id: run.thread_id,
    run_id: run.id,
    type: details.type,
    status: 'in_progress',
    step_details: details,
    last_error: null,
    expired_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: null,
    metadata: {},
    usage: null,
  };
}

export function newRun(ctx: RouteContext, threadId: string, assistant: AssistantObj, b: Record<string, unknown>): RunObj {
  const now = ctx.now();
  const instructions = [typeof b.instructions === 'string' ? b.instructions : (assistant.instructions ?? ''), typeof b.additional_instructions === 'string' ? b.additional_instructions : '']
    .filter((s) => s.length > 0)
    .join('\n');
  return {
    id: ctx.ids.next('run_'),
    object: 'thread.run',
    created_at: now,
    thread_id: threadId,
    assistant_id: assistant.id,
    status: 'queued',
    required_action: null,
    last_error: null,
    expires_at: now + RUN_TTL_SECONDS,
    started_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: null,
    incomplete_details: null,
    model: typeof b.model === 'string' ? b.model : assistant.model,
    instructions,
    tools: Array.isArray(b.tools) ? b.tools : assistant.tools,
    metadata: isRecord(b.metadata) ? (b.metadata as Record<string, string>) : {},
    usage: null,
    temperature: typeof b.temperature === 'number' ? b.temperature : (assistant.temperature ?? 1),
    top_p: typeof b.top_p === 'number' ? b.top_p : (assistant.top_p ?? 1),
    max_prompt_tokens: typeof b.max_prompt_tokens === 'number' ? b.max_prompt_tokens : null,
    max_completion_tokens: typeof b.max_completion_tokens === 'number' ? b.max_completion_tokens : null,
    truncation_strategy: b.truncation_strategy ?? { type: 'auto', last_messages: null },
    tool_choice: b.tool_choice ?? 'auto',
    parallel_tool_calls: typeof b.parallel_tool_calls === 'boolean' ? b.parallel_tool_calls : true,
    response_format: b.response_format ?? assistant.response_format ?? 'auto',
  };
}

/** CreateMessageRequest content (string or parts) -> MessageObject content; unknown image file ids are refused up front. */
export function userContent(content: unknown, files: Map<string, StoredFile>, param: string): ContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: { value: content, annotations: [] } }];
  if (!Array.isArray(content)) return [];
  return content.filter(isRecord).map((part, i): ContentPart => {
    if (part.type === 'image_file' && isRecord(part.image_file)) {
      const fileId = String(part.image_file.file_id);
      imageBytes(files, fileId, `${param}[${i}].image_file.file_id`);
      const image_file: { file_id: string; detail?: string } = { file_id: fileId };
      if (typeof part.image_file.detail === 'string') image_file.detail = part.image_file.detail;
      return { type: 'image_file', image_file };
    }
    if (part.type === 'image_url' && isRecord(part.image_url)) {
      const image_url: { url: string; detail?: string } = { url: String(part.image_url.url) };
      if (typeof part.image_url.detail === 'string') image_url.detail = part.image_url.detail;
      return { type: 'image_url', image_url };
    }
    return { type: 'text', text: { value: typeof part.text === 'string' ? part.text : '', annotations: [] } };
  });
}

/** The model answers the most recent user message: its text and its image files. */
export function latestQuestion(messages: MessageObj[], files: Map<string, StoredFile>): Question {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return { text: '', images: [] };
  const texts: string[] = [];
  const images: Question['images'] = [];
  last.content.forEach((part, i) => {
    if (part.type === 'text') texts.push(part.text.value);
    if (part.type === 'image_file') images.push({ fileId: part.image_file.file_id, bytes: imageBytes(files, part.image_file.file_id, `content[${i}].image_file.file_id`) });
  });
  return { text: texts.join(' '), images };
}

/** Names of function tools in Assistants shape ({type: 'function', function: {name}}). */
export function functionNames(tools: unknown[]): string[] {
  return tools.filter(isRecord).flatMap((t) => (t.type === 'function' && isRecord(t.function) && typeof t.function.name === 'string' ? [t.function.name] : []));
}

export function usageFor(prompt: string, completion: string): Usage {
  const prompt_tokens = tokenEstimate(prompt);
  const completion_tokens = tokenEstimate(completion);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

export function addUsage(a: Usage | null, b: Usage): Usage {
  if (!a) return b;
  return { prompt_tokens: a.prompt_tokens + b.prompt_tokens, completion_tokens: a.completion_tokens + b.completion_tokens, total_tokens: a.total_tokens + b.total_tokens };
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
