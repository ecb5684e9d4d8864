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
  commands: { snapshot: string; reply: string; cancel: string; stop: string };
  recogniser: {
    engine: 'vosk' | 'pocketsphinx';
    modelDir?: string;
    /** Seconds without speech after "reply" before it counts (the end of the utterance). */
    replyGapSeconds?: number;
    /** Per command word detection thresholds (PocketSphinx -kws_threshold), e.g. { "snapshot": 1e-25 }. */
    thresholds?: Record<string, number>;
  };
  audio: {
    device?: string;
    /** First wait before reopening a microphone that went away; doubles up to `reopenMaxMs`. */
    reopenMs?: number;
    reopenMaxMs?: number;
  };
  /** Optional cloud transcription of the question at "reply" (the keywords stay offline). */
  transcription: { enabled: boolean; model: string; timeoutMs: number };
  /** Speech of the answers: OpenAI's speech endpoint, or espeak-ng offline (also the fallback). */
  tts: { engine: 'openai' | 'espeak'; model: string; voice: string; format: 'pcm' | 'wav'; timeoutMs: number };
  camera: {
    kind: 'rpicam' | 'none';
    width: number;
    height: number;
    fps: number;
    bufferSeconds: number;
    bufferMB: number;
    /** Sensor-to-pipe delay subtracted from arrival times, milliseconds. */
    pipelineDelayMs: number;
  };
  speaker: { device?: string; voice: string; rate: number; cues: boolean };
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
  commands: { snapshot: 'snapshot', reply: 'reply', cancel: 'cancel', stop: 'stop' },
  // modelDir unset: each engine's own default (createRecogniser).
  recogniser: { engine: 'vosk' },
  audio: {},
  transcription: { enabled: false, model: 'gpt-4o-transcribe', timeoutMs: 8000 },
  tts: { engine: 'espeak', model: 'gpt-4o-mini-tts', voice: 'alloy', format: 'pcm', timeoutMs: 5000 },
  camera: { kind: 'rpicam', width: 1280, height: 720, fps: 15, bufferSeconds: 3, bufferMB: 32, pipelineDelayMs: 60 },
  speaker: { voice: 'en-us', rate: 165, cues: true },
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
  'commands.cancel': [isStr, 'a word'],
  'commands.stop': [isStr, 'a word'],
  'recogniser.engine': [oneOf('vosk', 'pocketsphinx'), 'vosk or pocketsphinx'],
  'recogniser.modelDir': [isStr, 'a directory path'],
  'recogniser.replyGapSeconds': [(v) => typeof v === 'number' && v >= 0.2 && v <= 5, 'seconds, 0.2 to 5'],
  'recogniser.thresholds': [
    (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((t) => typeof t === 'number' && t > 0 && t < 1),
    'an object of word: threshold (a number between 0 and 1, e.g. 1e-25)',
  ],
  'audio.device': [isStr, 'an ALSA device name'],
  'audio.reopenMs': [isPos, 'milliseconds'],
  'audio.reopenMaxMs': [isPos, 'milliseconds'],
  'transcription.enabled': [(v) => typeof v === 'boolean', 'true or false'],
  'transcription.model': [isStr, 'a transcription model (gpt-4o-transcribe or newer)'],
  'transcription.timeoutMs': [isPos, 'milliseconds'],
  'tts.engine': [oneOf('openai', 'espeak'), 'openai or espeak'],
  'tts.model': [isStr, 'a speech model (gpt-4o-mini-tts, tts-1, ...)'],
  'tts.voice': [isStr, 'a voice (alloy, coral, ...)'],
  'tts.format': [oneOf('pcm', 'wav'), 'pcm or wav'],
  'tts.timeoutMs': [isPos, 'milliseconds'],
  'camera.kind': [oneOf('rpicam', 'none'), 'rpicam or none'],
  'camera.width': [isPos, 'pixels'],
  'camera.height': [isPos, 'pixels'],
  'camera.fps': [isPos, 'frames per second'],
  'camera.bufferSeconds': [isPos, 'seconds'],
  'camera.bufferMB': [isPos, 'megabytes'],
  'camera.pipelineDelayMs': [isNonNeg, 'milliseconds, 0 or more'],
  'speaker.device': [isStr, 'an ALSA device name'],
  'speaker.voice': [isStr, 'an espeak-ng voice'],
  'speaker.rate': [isPos, 'words per minute'],
  'speaker.cues': [(v) => typeof v === 'boolean', 'true or false'],
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
