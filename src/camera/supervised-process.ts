import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { RestartBackoff, RetryPolicy } from '../retry/retry-policy';
import { lastLineOf } from '../process/last-line';

export type CameraEventType = 'camera-exit' | 'camera-restart' | 'camera-stall' | 'camera-degraded';
export interface CameraEvent {
  type: CameraEventType;
  detail: string;
}

export interface SupervisedProcessOptions {
  command: string;
  args: string[];
  /** Give the process a pipe as fd 3 too (for a second output). */
  fd3?: boolean;
  /** The process's environment (libcamera reads LIBCAMERA_* settings from it); the service's own if unset. */
  env?: NodeJS.ProcessEnv;
  /** Called with each new process, before any of its output. */
  onStart: (proc: ChildProcessByStdio<null, Readable, Readable>) => void;
  onEvent?: (e: CameraEvent) => void;
  /** First restart delay; doubles per failed attempt up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A process that has worked this long has recovered: its next failure restarts after the first delay again. */
  stableMs?: number;
}

/**
 * Keeps one camera process running: when it exits it is started again after a
 * backoff that doubles with each attempt, back to the first delay once a
 * process has worked for a while (so a camera that crashes every few frames
 * does not restart in a tight loop); a hung one is killed (TERM, then KILL)
 * and restarted the same way.
 */
export class SupervisedProcess {
  private proc?: ChildProcessByStdio<null, Readable, Readable>;
  private stopped = true;
  private readonly backoff: RestartBackoff;
  private restartTimer?: NodeJS.Timeout;
  private starting?: (err: Error) => void;
  private launchedAt = 0;
  /** The hung process being killed: one kill per hang, however often it is reported. */
  private killing?: ChildProcessByStdio<null, Readable, Readable>;

  constructor(private readonly o: SupervisedProcessOptions) {
    this.backoff = new RestartBackoff(new RetryPolicy({ firstMs: o.backoffMs ?? 500, maxMs: o.maxBackoffMs ?? 30_000 }));
  }

  get running(): ChildProcessByStdio<null, Readable, Readable> | undefined {
    return this.proc && this.proc.exitCode === null && this.proc.signalCode === null ? this.proc : undefined;
  }

  /**
   * Starts the process. `onStartFailure` is told if it ends (or cannot be
   * spawned) before the caller declares it healthy; after that, endings restart it.
   */
  start(onStartFailure: (err: Error) => void): void {
    this.stopped = false;
    this.starting = onStartFailure;
    this.launch();
  }

  /** The process did its job (a frame arrived): start() is over, and a process that has kept going has recovered. */
  healthy(): void {
    this.starting = undefined;
    if (Date.now() - this.launchedAt >= (this.o.stableMs ?? 10_000)) this.backoff.healthy();
  }

  /** A hung process: kill it; its ending restarts it. */
  restart(why: string): void {
    const p = this.proc;
    if (!p || this.killing === p) return;
    this.killing = p;
    this.o.onEvent?.({ type: 'camera-stall', detail: why });
    void killHard(p);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.starting = undefined;
    clearTimeout(this.restartTimer);
    if (this.proc) await killHard(this.proc);
  }

  private launch(): void {
    const { command, args } = this.o;
    this.launchedAt = Date.now();
    const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'pipe', 'pipe', ...(this.o.fd3 ? ['pipe' as const] : [])];
    const proc = spawn(command, args, { stdio, env: this.o.env ?? process.env }) as ChildProcessByStdio<null, Readable, Readable>;
    this.proc = proc;
    const lastErr = lastLineOf(proc.stderr);
    let spawnError: Error | undefined;
    proc.on('error', (e) => {
      spawnError = e;
    });
    this.o.onStart(proc);
    // 'close' follows 'error' too, so every ending is handled here, once.
    proc.on('close', (code, signal) => {
      if (this.stopped || proc !== this.proc) return;
      const detail = spawnError
        ? `cannot start ${command}: ${spawnError.message}`
        : `${command} exited (${signal ?? code})${lastErr() ? `: ${lastErr()}` : ''}`;
      if (this.starting) {
        const fail = this.starting;
        this.starting = undefined;
        this.stopped = true;
        fail(new CameraUnavailableError(`camera not available: ${detail}`));
        return;
      }
      this.o.onEvent?.({ type: 'camera-exit', detail });
      const backoff = this.backoff.next();
      this.restartTimer = setTimeout(() => {
        this.o.onEvent?.({ type: 'camera-restart', detail: `restarting ${command} after ${backoff} ms` });
        this.launch();
      }, backoff);
    });
  }
}

export class CameraUnavailableError extends Error {
  override name = 'CameraUnavailableError';
}

/** SIGTERM, and SIGKILL if it has not gone in 2 s (a camera stuck in the driver ignores TERM). */
async function killHard(p: ChildProcessByStdio<null, Readable, Readable>): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const closed = new Promise<void>((r) => p.once('close', () => r()));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 2000);
  await closed;
  clearTimeout(timer);
}
