import { execFileSync } from 'node:child_process';
import { constants, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
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
export class PtsFifo {
  readonly path: string;
  private socket?: Socket;
  private partial = '';

  private readonly dir: string;

  constructor() {
    this.dir = memoryDir('snapask-pts-');
    this.path = join(this.dir, 'pts');
    execFileSync('mkfifo', ['-m', '600', this.path]);
  }

  /** Starts reading: `onStart` for each writer's header (a new camera process), `onFrame` for each frame's seconds. */
  open(onStart: () => void, onFrame: (seconds: number) => void): void {
    const fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
    this.socket = new Socket({ fd, readable: true, writable: false });
    this.socket.on('data', (d: Buffer) => {
      const lines = (this.partial + d.toString('latin1')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('#')) onStart();
        else if (line.trim()) {
          const ms = Number(line);
          if (Number.isFinite(ms)) onFrame(ms / 1000);
        }
      }
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
