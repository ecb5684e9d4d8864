import { spawn } from 'node:child_process';
import type { ImageDetail } from '../assistant/thread-manager';
import { lastLineOf } from '../process/last-line';
import { jpegSize } from './jpeg-size';

/**
 * The largest picture worth sending for a detail level. OpenAI fits a `high`
 * (or `auto`) image in 2048x2048 and then scales its shortest side to 768
 * pixels; `low` is seen at 512x512. More pixels than that cost upload time and
 * are thrown away on arrival. `original` is sent as taken.
 */
export function targetSize(width: number, height: number, detail: ImageDetail): { width: number; height: number } {
  let scale = 1;
  if (detail === 'low') scale = Math.min(1, 512 / Math.max(width, height));
  else if (detail !== 'original') {
    scale = Math.min(1, 2048 / Math.max(width, height));
    const shortSide = Math.min(width, height) * scale;
    if (shortSide > 768) scale *= 768 / shortSide;
  }
  // Even sizes: the JPEG encoder's 4:2:0 chroma needs them.
  const even = (n: number) => Math.max(2, 2 * Math.round((n * scale) / 2));
  return scale >= 1 ? { width, height } : { width: even(width), height: even(height) };
}

export interface PreparedImage {
  jpeg: Buffer;
  width: number;
  height: number;
  resized: boolean;
}

export interface PrepareOptions {
  /** ffmpeg's MJPEG quality scale, 2 (best) to 31; applied only when the picture is re-encoded. */
  qscale?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Resizes a snapshot for its detail level with `ffmpeg` (on the device
 * already, and fast at this). A picture that is already small enough is
 * passed on untouched: no time spent, no quality lost.
 */
export async function prepareImage(jpeg: Buffer, detail: ImageDetail, o: PrepareOptions = {}): Promise<PreparedImage> {
  const size = jpegSize(jpeg);
  const target = targetSize(size.width, size.height, detail);
  if (target.width === size.width && target.height === size.height) return { jpeg, ...size, resized: false };
  const out = await runFfmpeg(jpeg, [
    '-hide_banner', '-loglevel', 'error', '-f', 'image2pipe', '-c:v', 'mjpeg', '-i', 'pipe:0',
    '-vf', `scale=${target.width}:${target.height}:flags=area`, '-q:v', String(o.qscale ?? 4),
    '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1',
  ], o.env);
  return { jpeg: out, ...target, resized: true };
}

function runFfmpeg(input: Buffer, args: string[], env: NodeJS.ProcessEnv | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    const chunks: Buffer[] = [];
    const stderr = lastLineOf(child.stderr);
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'ENOENT' ? 'ffmpeg is not installed: cannot resize snapshots' : `ffmpeg: ${e.message}`)));
    child.stdin.on('error', () => undefined); // EPIPE when ffmpeg refuses the input; its exit says why
    child.on('close', (code) => {
      const out = Buffer.concat(chunks);
      if (code === 0 && out.length > 0) resolve(out);
      else reject(new Error(`ffmpeg could not resize the snapshot (exit ${code}): ${stderr() || 'no output'}`));
    });
    child.stdin.end(input);
  });
}
