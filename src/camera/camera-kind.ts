import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findExecutable } from './executable';

export type CameraKind = 'rpicam' | 'v4l2' | 'still' | 'file' | 'none';

export interface CameraChoice {
  kind: CameraKind;
  /** Why `auto` chose it, for the log. */
  why: string;
}

const RPICAM_TOOLS = ['rpicam-vid', 'libcamera-vid'];
/** Listing cameras starts libcamera; on a Pi it answers in well under a second. */
const LIST_TIMEOUT_MS = 5000;

/**
 * What `camera.kind = "auto"` is on this machine: a Pi camera when the rpicam tools list one, else the
 * USB webcam at `device` when it exists, else none (voice only). A Pi with only a webcam and a laptop with
 * neither tool nor camera both come out right without a config file.
 */
export async function chooseCameraKind(device: string, env: NodeJS.ProcessEnv = process.env): Promise<CameraChoice> {
  const tool = findExecutable(RPICAM_TOOLS, env);
  if (tool) {
    const listed = await listCameras(tool, env);
    if (listed) return { kind: 'rpicam', why: `${tool} lists a camera: ${listed}` };
  }
  if (existsSync(device)) return { kind: 'v4l2', why: `${tool ? `${tool} lists no camera; ` : ''}${device} exists` };
  return { kind: 'none', why: `no Pi camera${tool ? ` (${tool} lists none)` : ''} and no ${device}: voice only` };
}

/** The first camera `tool --list-cameras` names ("0 : imx708 [4608x2592 ...] (...)"), or undefined. */
function listCameras(tool: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(tool, ['--list-cameras'], { env, timeout: LIST_TIMEOUT_MS }, (_err, stdout) => {
      const line = String(stdout ?? '').split('\n').find((l) => /^\s*\d+\s*:\s*\S/.test(l));
      resolve(line?.trim().replace(/\s*\(.*\)\s*$/, ''));
    });
  });
}
