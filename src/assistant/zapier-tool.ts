import { RetryPolicy, type Failure } from '../retry/retry-policy';
/**
 * The one function the assistant may call: a Zapier action. The service runs it
 * and hands the result back; it never invents a result the hook did not give.
 */
export interface FunctionToolDefinition {
  name: string;
  description: string;
  parameters: JsonSchemaObject;
}

export interface JsonSchemaObject {
  type: 'object';
  properties: Record<string, { type: string; description?: string }>;
  required?: string[];
  additionalProperties?: boolean;
}

export const DEFAULT_ZAPIER_TOOL: FunctionToolDefinition = {
  name: 'zapier',
  description:
    'Run an action through Zapier (send an email or message, add a task or calendar entry, log something). ' +
    'Use it only when the user asks for such an action.',
  parameters: {
    type: 'object',
    properties: {
      instruction: { type: 'string', description: 'What to do, in plain words, with every detail the action needs.' },
      subject: { type: 'string', description: 'A short title or subject line, if the action has one.' },
    },
    required: ['instruction'],
    additionalProperties: false,
  },
};

export interface ToolRunner {
  readonly definition: FunctionToolDefinition;
  /** Runs the call and returns the text handed back to the model; failures are returned, not thrown. */
  run(name: string, argumentsJson: string): Promise<string>;
  /** Whether it can run now (its hook is configured); a tool that cannot is not offered to the model. */
  available?(): boolean;
}

export interface ZapierHookOptions {
  definition?: FunctionToolDefinition;
  /** A "Webhooks by Zapier" catch hook URL; a secret, never logged. A function: asked at each call (the secrets file may change it). */
  hookUrl?: string | (() => string | undefined);
  /** Per attempt. */
  timeoutMs?: number;
  /** All attempts together, backoff included: 429 and 5xx are tried again while it lasts. */
  budgetMs?: number;
  /** First backoff, doubled each time; a retry-after header wins. */
  backoffMs?: number;
}

/** Checks call arguments against the tool's (flat) JSON schema; returns a problem or undefined. */
export function checkArguments(def: FunctionToolDefinition, argumentsJson: string): { args?: Record<string, unknown>; problem?: string } {
  let args: unknown;
  try {
    args = JSON.parse(argumentsJson);
  } catch {
    return { problem: 'the arguments are not valid JSON' };
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return { problem: 'the arguments must be a JSON object' };
  const obj = args as Record<string, unknown>;
  for (const key of def.parameters.required ?? []) {
    if (!(key in obj)) return { problem: `missing required argument "${key}"` };
  }
  for (const [key, value] of Object.entries(obj)) {
    const prop = def.parameters.properties[key];
    if (!prop) {
      if (def.parameters.additionalProperties === false) return { problem: `unknown argument "${key}"` };
      continue;
    }
    if (!hasType(value, prop.type)) return { problem: `argument "${key}" must be ${prop.type === 'integer' ? 'an' : 'a'} ${prop.type}` };
  }
  return { args: obj };
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return true;
  }
}

/**
 * Strict mode (the model's arguments always match the schema) needs every
 * property required and no others allowed; a schema with optional properties
 * goes non-strict and is checked here instead.
 */
export function canBeStrict(def: FunctionToolDefinition): boolean {
  const required = new Set(def.parameters.required ?? []);
  return def.parameters.additionalProperties === false && Object.keys(def.parameters.properties).every((k) => required.has(k));
}

/** Transport 1: a catch hook, which acknowledges receipt and nothing more. */
export class ZapierHookTool implements ToolRunner {
  readonly definition: FunctionToolDefinition;
  constructor(private readonly opts: ZapierHookOptions) {
    this.definition = opts.definition ?? DEFAULT_ZAPIER_TOOL;
  }

  available(): boolean {
    return !!this.hookUrl();
  }

  private hookUrl(): string | undefined {
    return typeof this.opts.hookUrl === 'function' ? this.opts.hookUrl() : this.opts.hookUrl;
  }

  async run(name: string, argumentsJson: string): Promise<string> {
    if (name !== this.definition.name) return `Error: there is no function named "${name}"; the only one is "${this.definition.name}".`;
    const { args, problem } = checkArguments(this.definition, argumentsJson);
    if (problem) return `Error: ${problem}. Nothing was sent to Zapier.`;
    const hookUrl = this.hookUrl();
    if (!hookUrl) return 'Error: no Zapier hook is configured on this device, so nothing was sent.';
    const budgetMs = this.opts.budgetMs ?? 20_000;
    const policy = new RetryPolicy({ firstMs: this.opts.backoffMs ?? 500, maxMs: budgetMs, budgetMs });
    const call = async (attempt: number, leftMs: number): Promise<string> => {
      let res: Response;
      try {
        res = await fetch(hookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(args),
          signal: AbortSignal.timeout(Math.max(1, Math.min(this.opts.timeoutMs ?? 10_000, leftMs))),
        });
      } catch (e) {
        // A hook that timed out may have run: trying again could run the action twice.
        if ((e as Error).name === 'TimeoutError') throw new HookFailure(false, 'Error: the Zapier hook did not answer in time; the action may or may not have run.');
        throw new HookFailure(true, 'Error: the Zapier hook could not be reached; the action did not run.');
      }
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return 'Zapier received the request (a catch hook confirms receipt only, not the outcome of the action).';
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new HookFailure(
        res.status === 429 || res.status >= 500,
        `Error: Zapier answered HTTP ${res.status}${attempt > 1 ? ` after ${attempt} attempts` : ''}; the action was not confirmed.`,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      );
    };
    return policy.run(call, (e) => (e instanceof HookFailure ? e : { retry: false })).then(
      (r) => r.value,
      (e: unknown) => (e instanceof HookFailure ? e.message : `Error: ${(e as Error).message}`),
    );
  }
}

/** One failed call of the hook: the text the model gets if it is the last, and whether another attempt may help. */
class HookFailure extends Error implements Failure {
  constructor(
    readonly retry: boolean,
    text: string,
    readonly retryAfterMs?: number,
  ) {
    super(text);
  }
}

/**
 * Transport 2: Zapier's MCP server, called by OpenAI itself as a Responses
 * `mcp` tool. The authorization header comes from a secret.
 */
export interface ZapierMcpOptions {
  serverUrl: string;
  serverLabel: string;
  /** A function: asked at each request (the secrets file may change it). */
  authorization?: string | (() => string | undefined);
  allowedTools?: string[];
  requireApproval: 'always' | 'never';
}
