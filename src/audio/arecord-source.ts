import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AudioChunk, AudioSource } from './audio-source';
import { BYTES_PER_SAMPLE, SAMPLE_RATE } from './audio-source';
import type { Clock } from '../clock';
import { RestartBackoff, RetryPolicy } from '../retry/retry-policy';
import { lastLineOf } from '../process/last-line';

export interface ArecordOptions {
  /** ALSA device, e.g. `plughw:CARD=Device,DEV=0`; `default` if unset. */
  device?: string;
  clock: Clock;
  /**
   * The microphone went away (arecord exited by itself: USB unplugged, device
   * busy, arecord missing), with arecord's last stderr line. Called once per
   * outage, however many reopen attempts fail.
   */
  onLost?: (reason: string) => void;
  /** The microphone is back after an outage. */
  onBack?: () => void;
  /** Reopen after an outage (default true); first wait, doubling up to the maximum. */
  reopen?: boolean;
  reopenMs?: number;
  reopenMaxMs?: number;
  /** arecord's environment; the service's own if unset (tests put the fake on PATH). */
  env?: NodeJS.ProcessEnv;
}

/** A run this long counts as a working microphone: the next outage starts again from the shortest wait. */
const HEALTHY_MS = 5000;

/**
 * The USB microphone through `arecord`, raw 16 kHz S16_LE mono on stdout.
 * Chunk times come from the sample count since the first byte, anchored to the
 * clock when that first byte arrived: the sound card's clock is steadier than
 * the event loop's arrival times. When arecord exits by itself the source
 * reports it, waits (with backoff) and opens the device again; the chunks of
 * the new process are anchored afresh, so the outage is a gap in their times.
 */
export class ArecordSource implements AudioSource {
  private proc?: ReturnType<typeof spawnArecord>;
  private stopping = false;
  private wake?: AbortController;

  constructor(private readonly opts: ArecordOptions) {}

  stop(): void {
    this.stopping = true;
    this.proc?.kill('SIGTERM');
    this.wake?.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AudioChunk> {
    const backoff = new RestartBackoff(new RetryPolicy({ firstMs: this.opts.reopenMs ?? 500, maxMs: this.opts.reopenMaxMs ?? 10_000 }));
    let lost = false;
    while (!this.stopping) {
      const startedAt = performance.now();
      let delivered = false;
      const why = yield* this.runOnce(() => {
        if (lost) this.opts.onBack?.();
        lost = false;
        delivered = true;
      });
      if (this.stopping) return;
      if (!lost) this.opts.onLost?.(why);
      lost = true;
      if (this.opts.reopen === false) return;
      if (delivered && performance.now() - startedAt > HEALTHY_MS) backoff.healthy();
      this.wake = new AbortController();
      await sleep(backoff.next(), undefined, { signal: this.wake.signal }).catch(() => undefined);
    }
  }

  /** One arecord process: yields its chunks; returns why it ended. */
  private async *runOnce(onAudio: () => void): AsyncGenerator<AudioChunk, string> {
    const proc = spawnArecord(this.opts.device, this.opts.env);
    this.proc = proc;
    const lastErr = lastLineOf(proc.stderr);
    let spawnError: Error | undefined;
    proc.on('error', (e) => {
      spawnError = e;
    });
    let t0: number | undefined;
    let samples = 0;
    let carry: Buffer = Buffer.alloc(0);
    try {
      for await (const data of proc.stdout as AsyncIterable<Buffer>) {
        const now = this.opts.clock.now();
        if (t0 === undefined) {
          t0 = now - data.length / BYTES_PER_SAMPLE / SAMPLE_RATE;
          onAudio();
        }
        // Keep chunks sample-aligned: a pipe can split a sample across reads.
        let buf = carry.length ? Buffer.concat([carry, data]) : data;
        const usable = buf.length - (buf.length % BYTES_PER_SAMPLE);
        carry = buf.subarray(usable);
        buf = buf.subarray(0, usable);
        if (!buf.length) continue;
        const t = t0 + samples / SAMPLE_RATE;
        samples += buf.length / BYTES_PER_SAMPLE;
        yield { pcm: buf, t };
      }
      // stdout ended: wait for the exit so stderr's last line is in.
      if (proc.exitCode === null && proc.signalCode === null) {
        await new Promise<void>((r) => {
          const done = () => {
            clearTimeout(timer);
            r();
          };
          const timer = setTimeout(done, 1000);
          proc.once('close', done);
          proc.once('error', done);
        });
      }
    } finally {
      proc.kill('SIGTERM');
    }
    return spawnError ? `cannot start arecord: ${spawnError.message}` : `microphone stopped: arecord exited${lastErr() ? `: ${lastErr()}` : ''}`;
  }
}

function spawnArecord(device: string | undefined, env: NodeJS.ProcessEnv | undefined) {
  const args = ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', String(SAMPLE_RATE), '-c', '1'];
  if (device) args.push('-D', device);
  return spawn('arecord', args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
}
