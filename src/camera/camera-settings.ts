/** How the camera is set up (the config's `camera` section is one). */
export interface CameraSettings {
  kind: 'auto' | 'rpicam' | 'v4l2' | 'still' | 'file' | 'none';
  /** The USB webcam (`v4l2`). */
  device: string;
  /** MJPEG or one JPEG played as the camera (`file`). */
  file?: string;
  quality: number;
  stallSeconds: number;
  choose: 'first' | 'sharpest';
  width: number;
  height: number;
  fps: number;
  bufferSeconds: number;
  bufferMB: number;
  pipelineDelayMs: number;
}
