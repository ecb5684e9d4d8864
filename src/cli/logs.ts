import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** pino's numeric levels by name. */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has, shown in the line's head or not at all. */
const HEAD = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'name', 'v']);

/**
 * `snapask logs`: the service's journal (journalctl -u snapask -o cat), each pino JSON line shown as
 * `time LEVEL msg key=value ...`; other lines (systemd's own, a crash's stderr) as they are.
 */
export function followLogs(opts: { since?: string; lines?: string; follow: boolean }, write: (s: string) => void): Promise<number> {
  const args = ['-u', 'snapask', '-o', 'cat', ...(opts.follow ? ['-f'] : []), ...(opts.since ? ['--since', opts.since] : []), ...(opts.lines ? ['-n', opts.lines] : [])];
  return new Promise((resolve, reject) => {
    const journal = spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    journal.on('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'ENOENT' ? 'journalctl not found: snapask logs reads the systemd journal (make run logs to its terminal)' : `journalctl: ${e.message}`)),
    );
    createInterface({ input: journal.stdout }).on('line', (line) => write(`${prettyLine(line)}\n`));
    journal.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
  });
}

/** One journal line, readable: a pino JSON object becomes `time LEVEL msg key=value ...`; anything else is kept. */
export function prettyLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let o: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return line;
    o = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const head = [
    typeof o.time === 'number' ? localTime(new Date(o.time)) : undefined,
    typeof o.level === 'number' ? (LEVELS[o.level] ?? `LEVEL${o.level}`).padEnd(5) : typeof o.level === 'string' ? o.level.toUpperCase().padEnd(5) : undefined,
    typeof o.msg === 'string' ? o.msg : undefined,
  ].filter((x) => x !== undefined);
  const fields = flatten(Object.fromEntries(Object.entries(o).filter(([k]) => !HEAD.has(k))), '').map(([k, v]) => `${k}=${v}`);
  return [...head, ...fields].join(' ');
}

/** Nested objects as dotted keys (turn.event=reply); strings bare unless they hold spaces or quotes. */
function flatten(o: Record<string, unknown>, prefix: string): Array<[string, string]> {
  return Object.entries(o).flatMap(([k, v]): Array<[string, string]> => {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return flatten(v as Record<string, unknown>, key);
    if (typeof v === 'string') return [[key, v !== '' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)]];
    if (typeof v === 'number' && !Number.isInteger(v)) return [[key, String(Math.round(v * 1000) / 1000)]];
    return [[key, JSON.stringify(v)]];
  });
}

/** 2025-03-01 14:02:03.456, the machine's local time (as journalctl shows it). */
function localTime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
