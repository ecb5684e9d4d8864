/**
 * The Assistants objects the double stores, shaped exactly as the spec's AssistantObject,
 * ThreadObject, MessageObject, RunObject and RunStepObject so they can be sent as they are.
 */

export type Metadata = Record<string, string> | null;

export interface AssistantObj {
  id: string;
  object: 'assistant';
  created_at: number;
  name: string | null;
  /** Required by AssistantObject although the spec doesn't declare it among the properties. */
  description: string | null;
  model: string;
  instructions: string | null;
  tools: unknown[];
  tool_resources: Record<string, unknown> | null;
  metadata: Metadata;
  temperature: number | null;
  top_p: number | null;
  response_format: unknown;
}

export interface ThreadObj {
  id: string;
  object: 'thread';
  created_at: number;
  tool_resources: Record<string, unknown> | null;
  metadata: Metadata;
}

export type ContentPart =
  | { type: 'text'; text: { value: string; annotations: unknown[] } }
  | { type: 'image_file'; image_file: { file_id: string; detail?: string } }
  | { type: 'image_url'; image_url: { url: string; detail?: string } };

export interface MessageObj {
  id: string;
  object: 'thread.message';
  created_at: number;
  thread_id: string;
  status: 'in_progress' | 'incomplete' | 'completed';
  incomplete_details: null;
  completed_at: number | null;
  incomplete_at: number | null;
  role: 'user' | 'assistant';
  content: ContentPart[];
  assistant_id: string | null;
  run_id: string | null;
  attachments: unknown[] | null;
  metadata: Metadata;
}

export interface ToolCallObj {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type RunStatus = 'queued' | 'in_progress' | 'requires_action' | 'cancelling' | 'cancelled' | 'failed' | 'completed' | 'incomplete' | 'expired';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface RunObj {
  id: string;
  object: 'thread.run';
  created_at: number;
  thread_id: string;
  assistant_id: string;
  status: RunStatus;
  required_action: { type: 'submit_tool_outputs'; submit_tool_outputs: { tool_calls: ToolCallObj[] } } | null;
  last_error: null;
  expires_at: number | null;
  started_at: number | null;
  cancelled_at: number | null;
  failed_at: number | null;
  completed_at: number | null;
  incomplete_details: null;
  model: string;
  instructions: string;
  tools: unknown[];
  metadata: Metadata;
  usage: Usage | null;
  temperature: number | null;
  top_p: number | null;
  max_prompt_tokens: number | null;
  max_completion_tokens: number | null;
  truncation_strategy: unknown;
  tool_choice: unknown;
  parallel_tool_calls: boolean;
  response_format: unknown;
}

export interface StepToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string; output: string | null };
}

export interface StepObj {
  id: string;
  object: 'thread.run.step';
  created_at: number;
  assistant_id: string;
  thread_id: string;
  run_id: string;
  type: 'message_creation' | 'tool_calls';
  status: 'in_progress' | 'cancelled' | 'failed' | 'completed' | 'expired';
  step_details: { type: 'message_creation'; message_creation: { message_id: string } } | { type: 'tool_calls'; tool_calls: StepToolCall[] };
  last_error: null;
  expired_at: number | null;
  cancelled_at: number | null;
  failed_at: number | null;
  completed_at: number | null;
  metadata: Metadata;
  usage: Usage | null;
}
