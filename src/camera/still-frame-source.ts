import { readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock';
import { rpicamStillArgs } from './camera-args';
import { memoryDir } from './memory-dir';
import { findExecutable } from './executable';
import type { Frame, FrameSource } from './frame';
import { firstAtOrAfter } from './frame-selection';
import { MjpegSplitter } from './mjpeg-splitter';
import { FrameRingBuffer } from './ring-buffer';
import { CameraUnavailableError, SupervisedProcess, type CameraEvent } from './supervised-process';

export interface StillFrameSourceOptions {
  /** rpicam-still, then the older libcamera-still, unless told otherwise. */
  command?: string | string[];
  width: number;
  height: number;
  quality?: number;
  clock: Clock;
  /** A capture that has not produced its file after this long: the process is restarted and the snapshot fails. */
  captureTimeoutMs?: number;
  /** How long start() waits for its test picture. */
  startTimeoutMs?: number;
  /** Where the stills land for the moment it takes to read them: memory (/dev/shm), never the SD card. */
  dir?: string;
  onEvent?: (e: CameraEvent) => void;
  env?: NodeJS.ProcessEnv;
  backoffMs?: number;
  /** From the process's start to its first signal: it must have installed its handler and settled exposure (default 1500 ms). */
  warmupMs?: number;
  /** Seconds from the shutter to the file being complete (a full-resolution software JPEG encode), subtracted from its arrival; the signal's instant is the floor. */
  encodeDelay?: number;
}

/**
 * A kept-warm rpicam-still in signal mode: the camera is open and previewing,
 * so SIGUSR1 gives a full-resolution still after a mode switch instead of the
 * seconds a fresh process takes. It cannot hold the past: a snapshot is the
 * picture taken when the word was heard, later than the word's start.
 * A still's capture time is its arrival less the encode delay, and never
 * earlier than the signal that asked for it.
 */
export class StillFrameSource implements FrameSource {
  private supervisor?: SupervisedProcess;
  private readonly dir: string;
  private readonly stills = new FrameRingBuffer({ seconds: 30, maxBytes: 64 * 1024 * 1024 });
  private index = 0;
  private inFlight?: Promise<Frame | undefined>;
  private startedAt = 0;
  private stopped = false;
  command?: string;

  constructor(private readonly o: StillFrameSourceOptions) {
    this.dir = o.dir ?? memoryDir('snapask-still-');
  }

  async start(): Promise<void> {
    try {
      await this.launch();
    } catch (e) {
      await this.stop(); // no process, no directory left behind
      throw e;
    }
  }

  private async launch(): Promise<void> {
    const names = this.o.command === undefined ? ['rpicam-still', 'libcamera-still'] : Array.isArray(this.o.command) ? this.o.command : [this.o.command];
    const command = findExecutable(names, this.o.env ?? process.env);
    if (!command) throw new CameraUnavailableError(`camera not available: ${names.join(' or ')} is not installed`);
    this.command = command;
    let failed: Error | undefined;
    this.supervisor = new SupervisedProcess({
      command,
      args: rpicamStillArgs({ width: this.o.width, height: this.o.height, quality: this.o.quality, output: join(this.dir, 'still%06d.jpg') }),
      env: this.o.env,
      backoffMs: this.o.backoffMs,
      onEvent: this.o.onEvent,
      onStart: () => (this.startedAt = Date.now()),
    });
    this.supervisor.start((e) => (failed = e));
    // A test picture proves the whole path (camera, signal, file) before the service counts on it.
    const test = await this.shoot(this.o.startTimeoutMs ?? 8000, () => failed, false);
    if (!test) {
      throw failed ?? new CameraUnavailableError(`camera not available: no still from ${command} within ${this.o.startTimeoutMs ?? 8000} ms`);
    }
    this.supervisor.healthy();
  }

  frameAt(t: number, until?: number): Frame | undefined {
    return firstAtOrAfter.choose(this.stills, t, until);
  }

  /** A still for a word that began at `t`: one already taken since then, or a new one now. */
  capture(t: number): Promise<Frame | undefined> {
    const have = this.frameAt(t);
    if (have) return Promise.resolve(have);
    this.inFlight ??= this.shoot(this.o.captureTimeoutMs ?? 5000).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.supervisor?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private shoot(timeoutMs: number, failed: () => Error | undefined = () => undefined, keep = true): Promise<Frame | undefined> {
    return new Promise((resolve) => {
      let signalledAt = this.o.clock.now();
      const began = Date.now();
      // A process that has only just started may not handle SIGUSR1 yet (it would die of it), nor have settled exposure.
      const send = setTimeout(() => {
        signalledAt = this.o.clock.now();
        this.supervisor?.running?.kill('SIGUSR1');
      }, Math.max(0, this.startedAt + (this.o.warmupMs ?? 1500) - began));
      const poll = setInterval(() => {
        if (this.stopped) {
          clearInterval(poll);
          clearTimeout(send);
          return resolve(undefined);
        }
        const jpeg = this.takeFinishedStill();
        if (jpeg) {
          clearInterval(poll);
          const frame = { jpeg, t: Math.max(signalledAt, this.o.clock.now() - (this.o.encodeDelay ?? 0)), index: this.index++ };
          if (keep) this.stills.push(frame);
          this.supervisor?.healthy();
          resolve(frame);
        } else if (failed() || Date.now() - began > timeoutMs) {
          clearInterval(poll);
          clearTimeout(send);
          if (!failed()) this.supervisor?.restart(`no still from ${this.command} ${timeoutMs} ms after the signal: restarting it`);
          resolve(undefined);
        }
      }, 10);
    });
  }

  /** The oldest complete still in the directory (read and removed), if any; a file still being written is left for later. */
  private takeFinishedStill(): Buffer | undefined {
    for (const name of readdirSync(this.dir).sort()) {
      const path = join(this.dir, name);
      const bytes = readFileSync(path);
      const [jpeg] = new MjpegSplitter().push(bytes);
      if (!jpeg) return undefined;
      unlinkSync(path);
      return jpeg;
    }
    return undefined;
  }
}
