import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Clock } from '../clock';
import { lastLineOf } from '../process/last-line';
import type { Frame, FrameSource } from './frame';
import { MjpegSplitter } from './mjpeg-splitter';
import { FrameRingBuffer, type RingBufferLimits } from './ring-buffer';

export interface ProcessFrameSourceOptions {
  /** Executable and arguments of a process that writes MJPEG to stdout. */
  command: string;
  args: string[];
  clock: Clock;
  ring: RingBufferLimits;
  /**
   * Seconds from the shutter to the frame's last byte reaching us (sensor
   * readout, encode, pipe). Subtracted from arrival time to get capture time.
   */
  pipelineDelay: number;
  /** How long start() waits for a first frame before it says the camera is not available. */
  startTimeoutMs?: number;
  onEvent?: (e: { type: 'camera-exit' | 'camera-restart'; detail: string }) => void;
  /** The process's environment (libcamera reads LIBCAMERA_* settings from it); the service's own if unset. */
  env?: NodeJS.ProcessEnv;
}

/** The Pi camera's arguments: MJPEG to stdout forever, no preview window. */
export function rpicamVidArgs(o: { width: number; height: number; fps: number; quality?: number }): string[] {
  return [
    '--codec', 'mjpeg', '-t', '0', '-o', '-', '--nopreview',
    '--width', String(o.width), '--height', String(o.height),
    '--framerate', String(o.fps), '-q', String(o.quality ?? 85),
  ];
}

export class CameraUnavailableError extends Error {
  override name = 'CameraUnavailableError';
}

/**
 * A camera that is always running: a child process streams MJPEG, every frame
 * lands in the ring buffer with its capture time, and a snapshot is a lookup.
 * If the process dies it is restarted with backoff; frames already buffered stay.
 */
export class ProcessFrameSource implements FrameSource {
  private readonly ring: FrameRingBuffer;
  private proc?: ChildProcessByStdio<null, Readable, Readable>;
  private stopped = false;
  private index = 0;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;
  readonly splitter = new MjpegSplitter();

  constructor(private readonly opts: ProcessFrameSourceOptions) {
    this.ring = new FrameRingBuffer(opts.ring);
  }

  get bufferedFrames(): number {
    return this.ring.size;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const firstFrame = new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => {
        void this.stop();
        reject(new CameraUnavailableError(`camera not available: no frame from ${this.opts.command} within ${this.opts.startTimeoutMs ?? 5000} ms`));
      }, this.opts.startTimeoutMs ?? 5000);
      this.launch(() => {
        clearTimeout(timeout);
        resolve();
      }, (err) => {
        clearTimeout(timeout);
        reject(err);
      });
    });
    await firstFrame;
  }

  frameAt(t: number): Frame | undefined {
    return this.ring.firstAtOrAfter(t);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('close', r));
      p.kill('SIGTERM');
      await exited;
    }
  }

  private launch(onFirstFrame?: () => void, onSpawnError?: (e: Error) => void): void {
    const proc = spawn(this.opts.command, this.opts.args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.opts.env ?? process.env });
    this.proc = proc;
    const lastErr = lastLineOf(proc.stderr);
    proc.stdout.on('data', (data: Buffer) => {
      const arrived = this.opts.clock.now();
      for (const jpeg of this.splitter.push(data)) {
        this.ring.push({ jpeg, t: arrived - this.opts.pipelineDelay, index: this.index++ });
        this.restarts = 0;
        if (onFirstFrame) {
          onFirstFrame();
          onFirstFrame = undefined;
          onSpawnError = undefined;
        }
      }
    });
    let spawnError: Error | undefined;
    proc.on('error', (e) => {
      spawnError = e;
    });
    // 'close' follows 'error' too, so every ending is handled here, once.
    proc.on('close', (code, signal) => {
      if (this.stopped) return;
      const detail = spawnError
        ? `cannot start ${this.opts.command}: ${spawnError.message}`
        : `${this.opts.command} exited (${signal ?? code})${lastErr() ? `: ${lastErr()}` : ''}`;
      if (onSpawnError) {
        // Still starting: the caller decides (voice-only mode); no restart loop behind its back.
        onSpawnError(new CameraUnavailableError(`camera not available: ${detail}`));
        onSpawnError = undefined;
        return;
      }
      this.opts.onEvent?.({ type: 'camera-exit', detail });
      const backoff = Math.min(30_000, 500 * 2 ** this.restarts++);
      this.restartTimer = setTimeout(() => {
        this.opts.onEvent?.({ type: 'camera-restart', detail: `restarting ${this.opts.command} after ${backoff} ms` });
        this.launch();
      }, backoff);
    });
  }
}
