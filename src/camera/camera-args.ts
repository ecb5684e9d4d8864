import type LibCamera from 'node-libcamera/dist/LibCamera';

/**
 * rpicam-apps (formerly libcamera-apps) arguments from node-libcamera's typed
 * options. Its own converter and runner are not used: the converter is not
 * exported and turns `false` into "--flag false", and the runner joins a
 * shell command and buffers the finished process, which a camera that must
 * stream (or stay warm) cannot use.
 */
export function libcameraArgs(options: Partial<LibCamera.OptionsObject>): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(options) as [string, unknown][]) {
    if (value === undefined || value === false) continue;
    args.push(`--${key}`);
    if (value !== true) args.push(String(value));
  }
  return args;
}

export interface CaptureFormat {
  width: number;
  height: number;
  fps: number;
  /** JPEG quality, 1-100. */
  quality?: number;
}

/**
 * The Pi camera as a stream: MJPEG to stdout forever, no preview window, each
 * frame flushed as it is encoded; with `pts`, each frame's sensor timestamp
 * written there as well (flushed too).
 */
export function rpicamVidArgs(o: CaptureFormat & { pts?: string }): string[] {
  return [
    ...libcameraArgs({
      codec: 'mjpeg', timeout: 0, output: '-', nopreview: true, flush: true, width: o.width, height: o.height, quality: o.quality ?? 85, 'save-pts': o.pts,
    }),
    // Not among node-libcamera's typed options.
    '--framerate', String(o.fps),
  ];
}

/**
 * A kept-warm still camera: previewing (not shown) until SIGUSR1, then one
 * full-resolution still into `output` (with %d numbering each capture), and
 * back to previewing. Files, not stdout: rpicam-still does not flush stdout
 * after a still, so its tail could wait there until the next capture.
 */
export function rpicamStillArgs(o: { width: number; height: number; quality?: number; output: string }): string[] {
  return libcameraArgs({ timeout: 0, signal: true, nopreview: true, encoding: 'jpg', width: o.width, height: o.height, quality: o.quality ?? 93, output: o.output });
}

/**
 * A USB webcam through ffmpeg: its own MJPEG passed through untouched (no
 * decode, no re-encode), each frame flushed to the pipe as it arrives (without
 * -flush_packets a frame's tail waits in ffmpeg's output buffer for the next
 * frame). With `times`, the same packets also go to ffmpeg's framecrc muxer
 * there, whose pts (-copyts: the kernel's capture timestamps) time each frame.
 */
export function v4l2FfmpegArgs(o: CaptureFormat & { device: string; times?: string }): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', ...(o.times ? ['-copyts'] : []),
    '-f', 'v4l2', '-input_format', 'mjpeg', '-video_size', `${o.width}x${o.height}`, '-framerate', String(o.fps), '-i', o.device,
    '-map', '0:v', '-c:v', 'copy', '-flush_packets', '1', '-f', 'mjpeg', '-',
    ...(o.times ? ['-map', '0:v', '-c:v', 'copy', '-flush_packets', '1', '-f', 'framecrc', o.times] : []),
  ];
}
