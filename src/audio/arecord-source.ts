import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { AudioChunk, AudioSource } from './audio-source';
import { BYTES_PER_SAMPLE, SAMPLE_RATE } from './audio-source';
import type { Clock } from '../clock';
import { lastLineOf } from '../process/last-line';

export interface ArecordOptions {
  /** ALSA device, e.g. `plughw:CARD=Device,DEV=0`; `default` if unset. */
  device?: string;
  clock: Clock;
  /** Called once if arecord exits by itself (mic unplugged, device busy), with its last stderr line. */
  onExit?: (reason: string) => void;
}

/**
 * The USB microphone through `arecord`, raw 16 kHz S16_LE mono on stdout.
 * Chunk times come from the sample count since the first byte, anchored to the
 * clock when that first byte arrived: the sound card's clock is steadier than
 * the event loop's arrival times.
 */
export class ArecordSource implements AudioSource {
  private proc?: ChildProcessByStdio<null, Readable, Readable>;
  private stopping = false;

  constructor(private readonly opts: ArecordOptions) {}

  stop(): void {
    this.stopping = true;
    this.proc?.kill('SIGTERM');
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AudioChunk> {
    const args = ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', String(SAMPLE_RATE), '-c', '1'];
    if (this.opts.device) args.push('-D', this.opts.device);
    const proc = spawn('arecord', args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
        if (t0 === undefined) t0 = now - data.length / BYTES_PER_SAMPLE / SAMPLE_RATE;
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
    } finally {
      if (!this.stopping) {
        const why = spawnError
          ? `cannot start arecord: ${spawnError.message}`
          : `microphone stopped: arecord exited${lastErr() ? `: ${lastErr()}` : ''}`;
        this.opts.onExit?.(why);
      }
      proc.kill('SIGTERM');
    }
  }
}
