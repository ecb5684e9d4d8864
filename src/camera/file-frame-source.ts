import { readFile } from 'node:fs/promises';
import type { Clock } from '../clock';
import type { Frame, FrameSource } from './frame';
import { firstAtOrAfter, type FrameChooser } from './frame-selection';
import { MjpegSplitter } from './mjpeg-splitter';
import { FrameRingBuffer, type RingBufferLimits } from './ring-buffer';
import type { CameraEvent } from './supervised-process';

export class CameraFileError extends Error {
  override name = 'CameraFileError';
}

export interface FileFrameSourceOptions {
  fps: number;
  clock: Clock;
  /** Capture time of frame 0. */
  t0?: number;
  ring?: RingBufferLimits;
  /** How a snapshot picks among the frames of the spoken word (default: the first at or after its start). */
  chooser?: FrameChooser;
  /** Told once when a word comes after the recording's last frame. */
  onEvent?: (e: CameraEvent) => void;
}

/**
 * A recorded camera: frame i of an MJPEG file (or one still JPEG repeated) is
 * captured at t0 + i/fps. Frames enter the same ring buffer a live camera feeds,
 * only when the clock reaches their capture time, so a replay sees exactly what
 * the device would have had in memory at that moment. A recording that ends
 * before a word has no picture of it: the word gets no frame, never an earlier one.
 */
export class FileFrameSource implements FrameSource {
  private next = 0;
  private readonly ring: FrameRingBuffer;
  private toldEnded = false;

  private constructor(
    private readonly path: string,
    private readonly jpegs: Buffer[],
    private readonly still: boolean,
    private readonly opts: FileFrameSourceOptions,
  ) {
    this.ring = new FrameRingBuffer(opts.ring ?? { seconds: 5, maxBytes: 64 * 1024 * 1024 });
  }

  static async open(path: string, opts: FileFrameSourceOptions): Promise<FileFrameSource> {
    if (!(opts.fps > 0)) throw new CameraFileError(`camera frame rate must be positive, got ${opts.fps}`);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new CameraFileError(`cannot read camera file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const splitter = new MjpegSplitter();
    const jpegs = splitter.push(bytes);
    if (!jpegs.length) throw new CameraFileError(`camera file ${path} is not JPEG or MJPEG: no complete JPEG frame in it`);
    return new FileFrameSource(path, jpegs, jpegs.length === 1, opts);
  }

  get frameCount(): number {
    return this.jpegs.length;
  }

  async start(): Promise<void> {
    this.pump();
  }

  latest(): Frame | undefined {
    return this.ring.newest();
  }

  frameAt(t: number, until?: number): Frame | undefined {
    this.pump();
    const chosen = (this.opts.chooser ?? firstAtOrAfter).choose(this.ring, t, until);
    // Its last frame would show the scene before the word was said: no frame is the honest answer.
    if (!chosen && this.ended) this.tellEnded(t);
    return chosen;
  }

  /** Once: later words after the end add nothing the first line did not say. */
  private tellEnded(t: number): void {
    if (this.toldEnded) return;
    this.toldEnded = true;
    const last = (this.opts.t0 ?? 0) + (this.jpegs.length - 1) / this.opts.fps;
    this.opts.onEvent?.({
      type: 'camera-exit',
      detail: `camera file ${this.path} ends at ${last.toFixed(3)} s (${this.jpegs.length} frames at ${this.opts.fps} fps), before the word at ${t.toFixed(3)} s: no picture for it (give a camera file as long as the audio)`,
    });
  }

  private get ended(): boolean {
    return !this.still && this.next >= this.jpegs.length;
  }

  async stop(): Promise<void> {
    this.ring.clear();
  }

  private pump(): void {
    const now = this.opts.clock.now();
    const t0 = this.opts.t0 ?? 0;
    while (this.still || this.next < this.jpegs.length) {
      const t = t0 + this.next / this.opts.fps;
      if (t > now + 1e-9) break;
      const jpeg = this.jpegs[this.still ? 0 : this.next]!;
      this.ring.push({ jpeg, t, index: this.next });
      this.next++;
    }
  }
}
