import { execFileSync } from 'node:child_process';

/** Real JPEG frames from ffmpeg's test pattern (every frame differs: it shows its own time). */
export function mjpegFrames(count: number, size = '160x120', fps = 15): Buffer {
  return execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${fps}`,
    '-frames:v', String(count), '-c:v', 'mjpeg', '-q:v', '5', '-f', 'mjpeg', '-',
  ], { maxBuffer: 256 * 1024 * 1024 });
}

export { jpegSize } from '../../src/image/jpeg-size';
