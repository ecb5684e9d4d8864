import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mjpegFrames } from './jpeg';

/**
 * The fake camera's stream (`dir`/cam.mjpeg: `frames` MJPEG frames of `size` at `fps`) and a config for
 * `snapask run` on the fake devices against the test double at `apiBase` (`dir`/config.json: PocketSphinx,
 * the rpicam camera, state under `dir`), with `camera` and `config` keys merged in.
 */
export function writeServiceConfig(
  dir: string,
  o: { apiBase: string; frames: number; size: string; fps: number; camera?: Record<string, unknown>; config?: Record<string, unknown> },
): void {
  const [width, height] = o.size.split('x').map(Number);
  writeFileSync(join(dir, 'cam.mjpeg'), mjpegFrames(o.frames, o.size, o.fps));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      openai: { baseURL: o.apiBase },
      recogniser: { engine: 'pocketsphinx' },
      camera: { kind: 'rpicam', width, height, fps: o.fps, ...o.camera },
      stateDir: join(dir, 'state'),
      ...o.config,
    }),
  );
}
