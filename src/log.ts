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

export function createLogger(opts: { level?: string; destination?: DestinationStream | number } = {}): Logger {
  const dest = opts.destination ?? 1;
  return pino(
    { name: 'snapask', level: opts.level ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    typeof dest === 'number' ? pino.destination({ fd: dest, sync: true }) : dest,
  );
}
