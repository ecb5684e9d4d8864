import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { wavHeader } from '../audio/wav';
import { lastLineOf } from '../process/last-line';
import { SpeakerError } from './speaker';

/** Every answer is played at this rate (OpenAI's pcm rate); other voices are resampled to it. */
export const PLAYBACK_RATE = 24000;
/**
 * aplay's buffer: at most this much sound waits in the device, so what is handed over sounds within about
 * this long (after aplay's start, for the first sentence). Its own default is up to half a second, which
 * delays the first sound and, worse, leaves the echo canceller's reference guessing when things play.
 */
export const PLAYBACK_BUFFER_MS = 100;
/** A streamed WAV's data size: as large as the header allows (aplay plays until the pipe closes). */
const STREAM_DATA_BYTES = 0x7ffff000;

/**
 * One `aplay`, fed PCM as it comes (an answer's sentences, cues between them): no process start between
 * sentences, so they follow without gaps. The PCM goes in as a WAV stream on stdin.
 */
export class AplayStream {
  /** Set once aplay has exited with an error (no such device, the device busy...): the reason. */
  failure: string | undefined;
  /** aplay has exited (played it all, failed or killed). */
  gone = false;
  private readonly proc: ChildProcessByStdio<Writable, null, Readable>;
  /** Resolves when aplay has exited. */
  readonly exited: Promise<void>;
  private killed = false;

  constructor(device: string | undefined, env: NodeJS.ProcessEnv = process.env, rate = PLAYBACK_RATE) {
    const args = ['-q', `--buffer-time=${PLAYBACK_BUFFER_MS * 1000}`];
    if (device) args.push('-D', device);
    args.push('-');
    this.proc = spawn('aplay', args, { stdio: ['pipe', 'ignore', 'pipe'], env });
    const lastErr = lastLineOf(this.proc.stderr);
    this.exited = new Promise((resolve) => {
      this.proc.on('error', (e) => {
        this.failure = `cannot run aplay: ${e.message}`;
        this.gone = true;
        resolve();
      });
      this.proc.on('close', (code) => {
        if (code !== 0 && !this.killed) this.failure ??= `aplay failed on device ${device ?? 'default'} (exit ${code}): ${lastErr()}`;
        this.gone = true;
        resolve();
      });
    });
    this.proc.stdin.on('error', () => undefined); // a dead aplay is reported by its exit
    this.proc.stdin.write(wavHeader(STREAM_DATA_BYTES, rate));
  }

  /**
   * Resolves once aplay has taken what was written (its pipe has room again), or has exited: what is written
   * next sounds after at most the pipe's and the device's buffers, so a cue is not stuck behind a whole answer.
   */
  /** It takes no more sound: exited, or killed. */
  get spent(): boolean {
    return this.gone || this.killed;
  }

  write(pcm: Buffer): Promise<void> {
    if (this.failure || this.killed || this.gone) return Promise.resolve();
    if (this.proc.stdin.write(pcm)) return Promise.resolve();
    return Promise.race([new Promise<void>((r) => this.proc.stdin.once('drain', () => r())), this.exited]);
  }

  /** No more sound: resolves once aplay has played it all (or failed, see `failure`). */
  async end(): Promise<void> {
    this.proc.stdin.end();
    await this.exited;
    if (this.failure) throw new SpeakerError(this.failure);
  }

  /** Silence now (barge-in): aplay's buffered sound goes too. */
  kill(): void {
    this.killed = true;
    this.proc.kill('SIGKILL');
  }
}
