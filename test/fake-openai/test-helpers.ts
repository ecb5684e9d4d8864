import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';

/** A 64x48 baseline JPEG (ffmpeg `color=blue`), used when ffmpeg isn't installed. */
const FALLBACK_JPEG_64x48 =
  '/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAg+Pkk+SVVVVVVVVWRdZGhoaGRkZGRoaGhwcHCDg4NwcHBoaHBwfHyDg4+Tj4eHg4eTk5ubm7q6srLZ2eD/////xABNAAEBAAAAAAAAAAAAAAAAAAAABwEBAQEAAAAAAAAAAAAAAAAAAAUHEAEAAAAAAAAAAAAAAAAAAAAAEQEAAAAAAAAAAAAAAAAAAAAA/8AAEQgAMABAAwEiAAIRAAMRAP/aAAwDAQACEQMRAD8AjgDf0sAAAAAAAAAAAAAAAAAAAAAB/9k=';

/** A real camera-like JPEG of the given size, from ffmpeg's test pattern when available. */
export function makeJpeg(width = 64, height = 48): Buffer {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}`, '-frames:v', '1', '-f', 'mjpeg', '-'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status === 0 && r.stdout.length > 0) return r.stdout;
  if (width !== 64 || height !== 48) throw new Error(`ffmpeg is needed for a ${width}x${height} JPEG`);
  return Buffer.from(FALLBACK_JPEG_64x48, 'base64');
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Raw fetch with the auth header, for requests the typed SDK would refuse to build. */
export async function rawJson(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
  const init: RequestInit = { method, headers: { authorization: 'Bearer test', 'content-type': 'application/json', ...headers } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // Non-JSON bodies (file content) are returned as text.
  }
  return { status: res.status, json, headers: res.headers };
}
