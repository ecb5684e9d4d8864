import type { Clock } from '../clock';
import { CaptureTimeEstimator } from './capture-time';
import { findExecutable } from './executable';
import type { Frame, FrameSource } from './frame';
import { firstAtOrAfter, type FrameChooser } from './frame-selection';
import { MjpegSplitter } from './mjpeg-splitter';
import type { FrameTimeSource } from './frame-times';
import { FrameRingBuffer, type RingBufferLimits } from './ring-buffer';
import { CameraUnavailableError, SupervisedProcess, type CameraEvent } from './supervised-process';

export { CameraUnavailableError } from './supervised-process';

export interface ProcessFrameSourceOptions {
  /** Executable that writes MJPEG to stdout; with several, the first one installed (a newer name, then an older one). */
  command: string | string[];
  args: string[];
  clock: Clock;
  ring: RingBufferLimits;
  /** Nominal frames per second: the grid capture times are placed on, and the pace a stall is judged by. */
  fps: number;
  /**
   * Seconds from the shutter to the frame's last byte reaching us (sensor
   * readout, encode, pipe) when nothing else holds it up.
   */
  pipelineDelay: number;
  /** How long start() waits for a first frame before it says the camera is not available. */
  startTimeoutMs?: number;
  /** No frame for this long while running: the process is killed and started again. */
  stallMs?: number;
  /** How a snapshot picks among the frames of the spoken word (default: the first at or after its start). */
  chooser?: FrameChooser;
  onEvent?: (e: CameraEvent) => void;
  /** The process's environment (libcamera reads LIBCAMERA_* settings from it); the service's own if unset. */
  env?: NodeJS.ProcessEnv;
  /** First restart delay, doubling per failed attempt (default 500 ms, at most 30 s). */
  backoffMs?: number;
  /** Where the process reports each frame's own timestamp (rpicam-vid --save-pts, ffmpeg's framecrc), if it does. */
  frameTimes?: FrameTimeSource;
}

/**
 * A camera that is always running: a child process streams MJPEG, every frame
 * lands in the ring buffer with its capture time, and a snapshot is a lookup.
 * If the process dies it is restarted with backoff; if it goes silent it is
 * killed and restarted; frames already buffered stay.
 */
export class ProcessFrameSource implements FrameSource {
  private readonly ring: FrameRingBuffer;
  private readonly timing: CaptureTimeEstimator;
  private supervisor?: SupervisedProcess;
  private watchdog?: NodeJS.Timeout;
  /** Set while start() waits for the first frame. */
  private firstFrame?: () => void;
  /** Frames waiting for their sensor timestamp, and timestamps waiting for their frame (same order on both). */
  private unstamped: Array<{ jpeg: Buffer; arrived: number }> = [];
  private sensorTimes: number[] = [];
  /** This process reports sensor timestamps (until it shows it does not). */
  private timestamped = false;
  /** Frames stamped from the camera's own timestamps, and from arrival times alone. */
  readonly stampedBy = { sensor: 0, arrival: 0 };
  private index = 0;
  private lastFrameAt = 0;
  readonly splitter = new MjpegSplitter();
  /** The executable actually run (after looking for the newer and older names). */
  command?: string;

  constructor(private readonly opts: ProcessFrameSourceOptions) {
    this.ring = new FrameRingBuffer(opts.ring);
    this.timing = new CaptureTimeEstimator({ period: 1 / opts.fps, pipelineDelay: opts.pipelineDelay });
  }

  get bufferedFrames(): number {
    return this.ring.size;
  }

  /** JPEG bytes held in memory now. */
  get bufferedBytes(): number {
    return this.ring.byteSize;
  }

  async start(): Promise<void> {
    try {
      const names = Array.isArray(this.opts.command) ? this.opts.command : [this.opts.command];
      const command = findExecutable(names, this.opts.env ?? process.env);
      if (!command) throw new CameraUnavailableError(`camera not available: ${names.join(' or ')} is not installed`);
      this.command = command;
      await this.launch(command, this.opts.startTimeoutMs ?? 5000);
    } catch (e) {
      // Nothing of a camera that did not start may stay behind (the frame-time FIFO is a handle and a directory).
      this.opts.frameTimes?.close();
      throw e;
    }
  }

  private launch(command: string, startTimeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const supervisor = new SupervisedProcess({
        command,
        args: this.opts.args,
        env: this.opts.env,
        backoffMs: this.opts.backoffMs,
        fd3: this.opts.frameTimes?.usesFd3,
        onEvent: this.opts.onEvent,
        onStart: (proc) => {
          this.timing.reset();
          this.unstamped = [];
          this.sensorTimes = [];
          this.timestamped = this.opts.frameTimes !== undefined;
          this.lastFrameAt = this.opts.clock.now();
          proc.stdout.on('data', (data: Buffer) => this.onData(data));
          this.opts.frameTimes?.attach(
            proc,
            () => (this.sensorTimes = []), // the process begins its report: anything before was an older process's
            (t) => {
              this.sensorTimes.push(t);
              this.pair();
            },
          );
        },
      });
      this.supervisor = supervisor;
      const timeout = setTimeout(() => {
        void supervisor.stop();
        reject(new CameraUnavailableError(`camera not available: no frame from ${command} within ${startTimeoutMs} ms`));
      }, startTimeoutMs);
      supervisor.start((err) => {
        clearTimeout(timeout);
        reject(err);
      });
      this.firstFrame = () => {
        clearTimeout(timeout);
        supervisor.healthy();
        this.startWatchdog();
        resolve();
      };
    });
  }

  latest(): Frame | undefined {
    return this.ring.newest();
  }

  frameAt(t: number, until?: number): Frame | undefined {
    return (this.opts.chooser ?? firstAtOrAfter).choose(this.ring, t, until);
  }

  /** The buffered frames captured from `from` to `to`, oldest first. */
  framesBetween(from: number, to: number): Iterable<Frame> {
    return this.ring.between(from, to);
  }

  async stop(): Promise<void> {
    clearInterval(this.watchdog);
    await this.supervisor?.stop();
    this.opts.frameTimes?.close();
  }

  private onData(data: Buffer): void {
    const arrived = this.opts.clock.now();
    for (const jpeg of this.splitter.push(data)) {
      this.lastFrameAt = arrived;
      this.unstamped.push({ jpeg, arrived });
    }
    this.pair();
  }

  /** Frames go into the ring once their sensor timestamp is in (or on arrival time where there is none). */
  private pair(): void {
    // The timestamp line follows its frame at once (on another pipe, so it may be read a little later): a frame
    // left waiting for a second means this camera does not write them, and frames go by arrival from then on.
    if (this.timestamped && this.unstamped.length && !this.sensorTimes.length && this.opts.clock.now() - this.unstamped[0]!.arrived > 1) {
      this.timestamped = false;
    }
    while (this.unstamped.length && (!this.timestamped || this.sensorTimes.length)) {
      const { jpeg, arrived } = this.unstamped.shift()!;
      const sensor = this.timestamped ? this.sensorTimes.shift() : undefined;
      this.stampedBy[sensor === undefined ? 'arrival' : 'sensor']++;
      const frame = { jpeg, t: this.timing.stamp(arrived, sensor), index: this.index++ };
      this.ring.push(frame);
      this.opts.chooser?.buffered?.(frame);
      if (this.firstFrame) {
        const f = this.firstFrame;
        this.firstFrame = undefined;
        f();
      } else {
        this.supervisor?.healthy();
      }
    }
  }

  private startWatchdog(): void {
    const stallMs = this.opts.stallMs ?? 5000;
    this.watchdog = setInterval(() => {
      this.pair();
      const silent = (this.opts.clock.now() - this.lastFrameAt) * 1000;
      if (silent >= stallMs && this.supervisor?.running) {
        this.lastFrameAt = this.opts.clock.now(); // one kill per stall; the restart resets it too
        this.supervisor.restart(`no frame from ${this.command} for ${Math.round(silent)} ms: restarting it`);
      }
    }, Math.max(50, Math.min(1000, stallMs / 4)));
    this.watchdog.unref();
  }
}
