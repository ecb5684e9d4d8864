import { execFileSync } from 'node:child_process';

/** Real JPEG frames from ffmpeg's test pattern (every frame differs: it shows its own time). */
export function mjpegFrames(count: number, size = '160x120', fps = 15): Buffer {
  return execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${fps}`,
    '-frames:v', String(count), '-c:v', 'mjpeg', '-q:v', '5', '-f', 'mjpeg', '-',
  ], { maxBuffer: 256 * 1024 * 1024 });
}

/** Width and height from a JPEG's start-of-frame marker. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } {
  for (let i = 2; i + 9 < jpeg.length; ) {
    if (jpeg[i] !== 0xff) throw new Error(`bad JPEG marker at ${i}`);
    const m = jpeg[i + 1]!;
    const len = jpeg.readUInt16BE(i + 2);
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}
