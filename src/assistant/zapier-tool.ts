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
}

export interface ZapierHookOptions {
  definition?: FunctionToolDefinition;
  /** A "Webhooks by Zapier" catch hook URL; a secret, never logged. */
  hookUrl?: string;
  timeoutMs?: number;
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
    if (prop.type === 'string' && typeof value !== 'string') return { problem: `argument "${key}" must be a string` };
  }
  return { args: obj };
}

/** Transport 1: a catch hook, which acknowledges receipt and nothing more. */
export class ZapierHookTool implements ToolRunner {
  readonly definition: FunctionToolDefinition;
  constructor(private readonly opts: ZapierHookOptions) {
    this.definition = opts.definition ?? DEFAULT_ZAPIER_TOOL;
  }

  async run(name: string, argumentsJson: string): Promise<string> {
    if (name !== this.definition.name) return `Error: there is no function named "${name}"; the only one is "${this.definition.name}".`;
    const { args, problem } = checkArguments(this.definition, argumentsJson);
    if (problem) return `Error: ${problem}. Nothing was sent to Zapier.`;
    if (!this.opts.hookUrl) return 'Error: no Zapier hook is configured on this device, so nothing was sent.';
    try {
      const res = await fetch(this.opts.hookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(args),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      if (!res.ok) return `Error: Zapier answered HTTP ${res.status}; the action was not confirmed.`;
      return 'Zapier received the request (a catch hook confirms receipt only, not the outcome of the action).';
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? 'it did not answer in time' : 'it could not be reached';
      return `Error: the Zapier hook failed: ${why}; the action may not have run.`;
    }
  }
}
