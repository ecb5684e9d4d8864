import type { Clock } from '../clock';
import type { CameraSettings } from './camera-settings';
import { chooseCameraKind, type CameraChoice } from './camera-kind';
import { rpicamVidArgs, v4l2FfmpegArgs } from './camera-args';
import { FileFrameSource } from './file-frame-source';
import type { FrameSource } from './frame';
import { firstAtOrAfter, sharpestWithin, type FrameChooser } from './frame-selection';
import { assertSharpnessAvailable, jpegSharpness } from './jpeg-sharpness';
import { ProcessFrameSource } from './process-frame-source';
import { FramecrcTimes } from './frame-times';
import { PtsFifo } from './pts-fifo';
import { StillFrameSource } from './still-frame-source';
import type { CameraEvent } from './supervised-process';

export interface CameraDeps {
  clock: Clock;
  onEvent?: (e: CameraEvent) => void;
  env?: NodeJS.ProcessEnv;
  /** What `auto` chose and why. */
  onChoice?: (c: CameraChoice) => void;
}

/** The configured camera, not yet started; undefined for `none` (voice only). */
export async function createFrameSource(c: CameraSettings, deps: CameraDeps): Promise<FrameSource | undefined> {
  const ring = { seconds: c.bufferSeconds, maxBytes: c.bufferMB * 1024 * 1024 };
  const streamed = { clock: deps.clock, ring, fps: c.fps, pipelineDelay: c.pipelineDelayMs / 1000, stallMs: c.stallSeconds * 1000, chooser: chooser(c, deps), onEvent: deps.onEvent, env: deps.env };
  switch (c.kind) {
    case 'auto': {
      const choice = await chooseCameraKind(c.device, deps.env);
      deps.onChoice?.(choice);
      return createFrameSource({ ...c, kind: choice.kind }, deps);
    }
    case 'none':
      return undefined;
    case 'rpicam': {
      const pts = new PtsFifo();
      return new ProcessFrameSource({ ...streamed, command: ['rpicam-vid', 'libcamera-vid'], args: rpicamVidArgs({ ...c, pts: pts.path }), frameTimes: pts });
    }
    case 'v4l2':
      return new ProcessFrameSource({ ...streamed, command: 'ffmpeg', args: v4l2FfmpegArgs({ ...c, device: c.device, times: 'pipe:3' }), frameTimes: new FramecrcTimes() });
    case 'still':
      return new StillFrameSource({
        width: c.width, height: c.height, quality: c.quality, clock: deps.clock, captureTimeoutMs: c.stallSeconds * 1000,
        encodeDelay: c.pipelineDelayMs / 1000, onEvent: deps.onEvent, env: deps.env,
      });
    case 'file':
      if (!c.file) throw new Error('camera.kind "file" needs camera.file (an MJPEG file or one still JPEG)');
      return FileFrameSource.open(c.file, { fps: c.fps, clock: deps.clock, t0: deps.clock.now(), ring, chooser: chooser(c, deps), onEvent: deps.onEvent });
  }
}

/** The configured snapshot choice; without the JPEG library, the first frame (and a warning), not no camera at all. */
function chooser(c: CameraSettings, deps: CameraDeps): FrameChooser {
  if (c.choose === 'first') return firstAtOrAfter;
  try {
    assertSharpnessAvailable();
  } catch (e) {
    deps.onEvent?.({ type: 'camera-degraded', detail: `${(e as Error).message}; keeping the first frame of each word instead` });
    return firstAtOrAfter;
  }
  return sharpestWithin(jpegSharpness);
}

