import { readFileSync } from 'node:fs';
import type { ImageDetail } from '../assistant/thread-manager';

/** Everything the service can be told. Secrets are not here: they come from the environment. */
export interface Config {
  api: 'assistants' | 'responses';
  openai: {
    baseURL: string;
    model: string;
    instructions: string;
    detail: ImageDetail;
    assistantId?: string;
    timeoutMs: number;
  };
  commands: { snapshot: string; reply: string };
  recogniser: { engine: 'vosk' | 'pocketsphinx'; modelDir?: string };
  audio: { device?: string };
  camera: {
    /** rpicam: Pi camera (rpicam-vid or libcamera-vid); v4l2: USB webcam through ffmpeg; still: kept-warm rpicam-still; file: MJPEG or one JPEG. */
    kind: 'rpicam' | 'v4l2' | 'still' | 'file' | 'none';
    /** V4L2 device of a USB webcam. */
    device: string;
    /** The recording a `file` camera plays. */
    file?: string;
    /** JPEG quality the camera encodes at. */
    quality: number;
    /** No frame for this long: the camera process is restarted. */
    stallSeconds: number;
    /** Which frame of the spoken word a snapshot keeps: the first from its start, or the sharpest. */
    choose: 'first' | 'sharpest';
    width: number;
    height: number;
    fps: number;
    bufferSeconds: number;
    bufferMB: number;
    /** Sensor-to-pipe delay subtracted from arrival times, milliseconds. */
    pipelineDelayMs: number;
  };
  speaker: { device?: string; voice: string; rate: number };
  zapier: { timeoutMs: number };
  stateDir: string;
}

export interface Secrets {
  openaiApiKey?: string;
  zapierHookUrl?: string;
}

export const DEFAULT_CONFIG: Config = {
  api: 'assistants',
  openai: {
    baseURL: 'https://api.openai.com/v1',
    model: 'gpt-4.1-mini',
    instructions:
      'You are a helpful assistant inside a small device on a shelf. The user speaks a question and may show you pictures taken by its camera. ' +
      'Your answer is read aloud: answer briefly, in plain sentences, without lists, markdown or URLs.',
    detail: 'high',
    timeoutMs: 60_000,
  },
  commands: { snapshot: 'snapshot', reply: 'reply' },
  // modelDir unset: each engine's own default (createRecogniser).
  recogniser: { engine: 'vosk' },
  audio: {},
  camera: {
    kind: 'rpicam', device: '/dev/video0', quality: 85, stallSeconds: 5, choose: 'first',
    width: 1280, height: 720, fps: 15, bufferSeconds: 3, bufferMB: 32, pipelineDelayMs: 60,
  },
  speaker: { voice: 'en-us', rate: 165 },
  zapier: { timeoutMs: 10_000 },
  stateDir: '/var/lib/snapask',
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Check = (v: unknown) => boolean;
const isStr: Check = (v) => typeof v === 'string' && v.length > 0;
const isPos: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isNonNeg: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const oneOf = (...allowed: string[]): Check => (v) => typeof v === 'string' && allowed.includes(v);

/** Each key the file may set, with what it allows (shown in the error). */
const RULES: Record<string, [Check, string]> = {
  api: [oneOf('assistants', 'responses'), '"assistants" or "responses"'],
  'openai.baseURL': [(v) => typeof v === 'string' && /^https?:\/\//.test(v), 'an http(s) URL'],
  'openai.model': [isStr, 'a model name'],
  'openai.instructions': [(v) => typeof v === 'string', 'text'],
  'openai.detail': [oneOf('low', 'high', 'auto', 'original'), 'low, high, auto or original'],
  'openai.assistantId': [isStr, 'an assistant id (asst_...)'],
  'openai.timeoutMs': [isPos, 'a positive number of milliseconds'],
  'commands.snapshot': [isStr, 'a word'],
  'commands.reply': [isStr, 'a word'],
  'recogniser.engine': [oneOf('vosk', 'pocketsphinx'), 'vosk or pocketsphinx'],
  'recogniser.modelDir': [isStr, 'a directory path'],
  'audio.device': [isStr, 'an ALSA device name'],
  'camera.kind': [oneOf('rpicam', 'v4l2', 'still', 'file', 'none'), 'rpicam, v4l2, still, file or none'],
  'camera.device': [isStr, 'a V4L2 device path (/dev/video0)'],
  'camera.file': [isStr, 'an MJPEG or JPEG file path'],
  'camera.quality': [(v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 100, 'a JPEG quality from 1 to 100'],
  'camera.stallSeconds': [isPos, 'seconds'],
  'camera.choose': [oneOf('first', 'sharpest'), 'first or sharpest'],
  'camera.width': [isPos, 'pixels'],
  'camera.height': [isPos, 'pixels'],
  'camera.fps': [isPos, 'frames per second'],
  'camera.bufferSeconds': [isPos, 'seconds'],
  'camera.bufferMB': [isPos, 'megabytes'],
  'camera.pipelineDelayMs': [isNonNeg, 'milliseconds, 0 or more'],
  'speaker.device': [isStr, 'an ALSA device name'],
  'speaker.voice': [isStr, 'an espeak-ng voice'],
  'speaker.rate': [isPos, 'words per minute'],
  'zapier.timeoutMs': [isPos, 'milliseconds'],
  stateDir: [isStr, 'a directory path'],
};

/** Reads and validates the config file (absent is fine: defaults). */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): { config: Config; secrets: Secrets } {
  let fromFile: unknown = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    try {
      fromFile = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
    }
  }
  const config = structuredClone(DEFAULT_CONFIG);
  merge(config as unknown as Record<string, unknown>, fromFile, '', path ?? 'config');
  if (config.camera.kind === 'file' && !config.camera.file) throw new ConfigError(`${path ?? 'config'}: camera.kind "file" needs camera.file (an MJPEG or JPEG file)`);
  if (env.OPENAI_BASE_URL) set(config as unknown as Record<string, unknown>, 'openai.baseURL', env.OPENAI_BASE_URL, 'OPENAI_BASE_URL');
  return { config, secrets: { openaiApiKey: env.OPENAI_API_KEY || undefined, zapierHookUrl: env.ZAPIER_HOOK_URL || undefined } };
}

function merge(target: Record<string, unknown>, src: unknown, prefix: string, where: string): void {
  if (typeof src !== 'object' || src === null || Array.isArray(src)) {
    throw new ConfigError(`${where}: ${prefix || 'the top level'} must be an object`);
  }
  for (const [k, v] of Object.entries(src)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const rule = RULES[key];
    if (rule) {
      set(target, key, v, where);
    } else if (Object.keys(RULES).some((r) => r.startsWith(`${key}.`))) {
      merge(target, v, key, where);
    } else {
      throw new ConfigError(`${where}: unknown key "${key}"`);
    }
  }
}

function set(root: Record<string, unknown>, key: string, value: unknown, where: string): void {
  const [check, allowed] = RULES[key]!;
  if (!check(value)) throw new ConfigError(`${where}: ${key} = ${JSON.stringify(value)} is not allowed; expected ${allowed}`);
  const parts = key.split('.');
  let obj = root;
  for (const p of parts.slice(0, -1)) obj = (obj[p] ??= {}) as Record<string, unknown>;
  obj[parts[parts.length - 1]!] = value;
}
