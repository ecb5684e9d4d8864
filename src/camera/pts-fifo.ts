import { execFileSync, type ChildProcess } from 'node:child_process';
import { constants, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { eachLine, type FrameTimeSource } from './frame-times';
import { memoryDir } from './memory-dir';

/**
 * The camera's own frame times, as rpicam-vid / libcamera-vid write them with
 * `--save-pts FILE` (the mkvmerge timecode v2 format: a "# timecode format v2"
 * line when the file is opened, then each frame's sensor timestamp in
 * milliseconds from the first frame, one line per frame, in frame order).
 * FILE is a FIFO, so nothing touches the SD card and every line arrives as the
 * frame is written. It is opened read-write and non-blocking: opening a FIFO
 * for reading alone would wait for a writer (in libuv's thread pool, which a
 * camera that never starts would then hold for ever).
 */
export class PtsFifo implements FrameTimeSource {
  readonly usesFd3 = false;
  readonly path: string;
  private socket?: Socket;

  private readonly dir: string;

  constructor() {
    this.dir = memoryDir('snapask-pts-');
    this.path = join(this.dir, 'pts');
    execFileSync('mkfifo', ['-m', '600', this.path]);
  }

  /** Read from the first process on: the FIFO outlives each process, and each one's header marks its start. */
  attach(_proc: ChildProcess, onStart: () => void, onTime: (seconds: number) => void): void {
    if (this.socket) return;
    const fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
    this.socket = new Socket({ fd, readable: true, writable: false });
    this.socket.unref(); // the camera's own pipes keep the service alive while it runs, not this
    eachLine(this.socket, (line) => {
      if (line.startsWith('#')) onStart();
      else if (line.trim() && Number.isFinite(Number(line))) onTime(Number(line) / 1000);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
