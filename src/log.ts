import pino, { type Logger, type DestinationStream } from 'pino';

/**
 * Secrets can reach a log line through an error object or a config dump; pino
 * removes them by path before anything is written.
 */
export const REDACT_PATHS = [
  'apiKey', '*.apiKey', 'openai.apiKey',
  'hookUrl', '*.hookUrl', 'zapier.hookUrl',
  'token', '*.token', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
];

const CENSOR = '[redacted]';

/** Environment variables that hold secrets: named here, or named like one. */
const SECRET_VARS = /^(OPENAI_API_KEY|ZAPIER_HOOK_URL)$|(_KEY|_TOKEN|_SECRET|_PASSWORD|_HOOK_URL)$/;

/**
 * Shapes of secrets that may show up inside text (an error message quoting a
 * URL, a header echoed back): OpenAI keys, Zapier catch-hook paths, bearer tokens.
 */
const SECRET_SHAPES = [/sk-[A-Za-z0-9_-]{16,}/g, /(hooks\.zapier\.com\/hooks\/catch\/)[^\s"'\\]+/g, /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi];

/** The values of the secrets in this environment, longest first. */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([k, v]) => SECRET_VARS.test(k) && typeof v === 'string' && v.length >= 8)
    .map(([, v]) => v!)
    .sort((a, b) => b.length - a.length);
}

/** `text` (a JSON log line) with every secret value and secret-shaped string replaced. */
export function redactText(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) {
    // As written in the line: JSON escapes quotes, backslashes and control characters.
    for (const form of new Set([s, JSON.stringify(s).slice(1, -1)])) out = out.split(form).join(CENSOR);
  }
  for (const shape of SECRET_SHAPES) out = out.replace(shape, (_m, prefix?: string) => `${typeof prefix === 'string' ? prefix : ''}${CENSOR}`);
  return out;
}

export function createLogger(
  opts: { level?: string; destination?: DestinationStream | number; secrets?: string[] | (() => string[]) } = {},
): Logger {
  const dest = opts.destination ?? 1;
  // A function: secrets that change while the service runs (its secrets file), asked at each line.
  const given = opts.secrets ?? secretValues(process.env);
  const secrets = typeof given === 'function' ? given : () => given;
  return pino(
    {
      name: 'snapask',
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      // By value too, over the finished line: a secret inside a message or an error text has no path to redact.
      hooks: { streamWrite: (line) => redactText(line, secrets()) },
    },
    typeof dest === 'number' ? pino.destination({ fd: dest, sync: true }) : dest,
  );
}
