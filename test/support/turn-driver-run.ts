import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { onJsonLines } from './json-lines';

export interface DriverRun {
  events: Array<Record<string, unknown> & { event: string }>;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

const DRIVER = resolve(__dirname, 'turn-driver.js');

/** Runs the turn driver (compiled) to its end, or to the SIGKILL it was told to give itself. */
export function runDriver(args: string[], opts: { timeoutMs?: number; onEvent?: (e: DriverRun['events'][number]) => void } = {}): Promise<DriverRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [DRIVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' } });
    const events: DriverRun['events'] = [];
    let stderr = '';
    onJsonLines<DriverRun['events'][number]>(child.stdout, (e) => {
      events.push(e);
      opts.onEvent?.(e);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`turn driver did not finish in ${opts.timeoutMs ?? 30_000} ms; events: ${events.map((e) => e.event).join(',')}; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ events, code, signal, stderr });
    });
  });
}

export function eventsNamed(run: DriverRun, name: string): DriverRun['events'] {
  return run.events.filter((e) => e.event === name);
}
