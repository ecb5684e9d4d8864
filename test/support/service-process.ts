import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './cli';
import { onJsonLines } from './json-lines';

/** `snapask run` as a child process: its log as it comes (raw, and each JSON line parsed), its stderr, its exit. */
export interface ServiceProcess<L> {
  proc: ChildProcess;
  /** The log lines so far, parsed. */
  readonly lines: L[];
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<number | null>;
  /** Resolves once `done(lines)` holds (asked at each log line and every 50 ms); rejects, naming stderr and the log, after `timeoutMs` or if the service exits first. */
  until(done: (lines: L[]) => boolean, timeoutMs: number): Promise<void>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `snapask run --config CONFIG [FLAGS]` with `env` (the fake devices' variables). */
export function startService<L extends { msg: string }>(config: string, env: NodeJS.ProcessEnv, flags: string[] = []): ServiceProcess<L> {
  const proc = spawn(process.execPath, [CLI, 'run', ...flags, '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: L[] = [];
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  onJsonLines<L>(proc.stdout, (line) => {
    lines.push(line);
    for (const w of waiters) w();
  });
  const context = () => `stderr: ${stderr.trim() || '(none)'}; log: ${JSON.stringify(lines.map((l) => l.msg))}`;
  return {
    proc,
    lines,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    until(done, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const finish = (error?: Error) => {
          clearTimeout(timer);
          clearInterval(poll);
          waiters.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (done(lines)) finish();
        };
        const timer = setTimeout(() => finish(new Error(`snapask run: not done after ${timeoutMs} ms; ${context()}`)), timeoutMs);
        waiters.add(check);
        // `done` may look at more than the log (files the fakes write): ask it now and then too.
        const poll = setInterval(check, 50);
        void exited.then((code) => {
          if (waiters.has(check)) (done(lines) ? finish() : finish(new Error(`snapask run exited (${code}) first; ${context()}`)));
        });
        check();
      });
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}
