import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/**
 * Where a camera process reports each frame's own timestamp, one per frame in
 * frame order (seconds on the camera's clock, any origin).
 */
export interface FrameTimeSource {
  /** The process writes its times to its fd 3, which must be a pipe. */
  readonly usesFd3: boolean;
  /** A process was started: `onStart` when it begins its report, `onTime` per frame. */
  attach(proc: ChildProcess, onStart: () => void, onTime: (seconds: number) => void): void;
  close(): void;
}

/** Calls `onLine` with each complete line of a stream. */
export function eachLine(stream: Readable, onLine: (line: string) => void): void {
  let partial = '';
  stream.on('data', (d: Buffer) => {
    const lines = (partial + d.toString('latin1')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}

/**
 * ffmpeg's framecrc muxer as a second output of the same packets
 * (`-map 0:v -c:v copy -f framecrc pipe:3`): a "#tb 0: N/D" header, then per
 * packet "stream, dts, pts, duration, size, crc". With `-copyts` the pts of a
 * V4L2 input is the kernel's capture timestamp of the frame (CLOCK_MONOTONIC,
 * microseconds, for uvcvideo).
 */
export class FramecrcTimes implements FrameTimeSource {
  readonly usesFd3 = true;

  attach(proc: ChildProcess, onStart: () => void, onTime: (seconds: number) => void): void {
    const fd3 = proc.stdio[3] as Readable | null | undefined;
    if (!fd3) return;
    let timeBase = 1e-6;
    eachLine(fd3, (line) => {
      const tb = /^#tb 0: (\d+)\/(\d+)/.exec(line);
      if (tb) {
        timeBase = Number(tb[1]) / Number(tb[2]);
        onStart();
        return;
      }
      if (line.startsWith('#')) return;
      const pts = Number(line.split(',')[2]);
      if (Number.isFinite(pts)) onTime(pts * timeBase);
    });
  }

  close(): void {}
}
