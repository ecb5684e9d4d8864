import { readFileSync } from 'node:fs';
import type { ImageDetail } from '../assistant/thread-manager';
import type { FunctionToolDefinition } from '../assistant/zapier-tool';
import { DEFAULT_ZAPIER_TOOL } from '../assistant/zapier-tool';
import type { CommandWordSet } from '../recognition/command-words';
import { secretsFromVars } from './secrets-file';
import { defaultStateDir } from './state-dir';

/** Everything the service can be told. Secrets are not here: they come from the environment and the secrets file (secrets-file.ts). */
export interface Config {
  api: 'assistants' | 'responses';
  openai: {
    baseURL: string;
    model: string;
    instructions: string;
    detail: ImageDetail;
    assistantId?: string;
    timeoutMs: number;
    /** No stream event for this long: the connection is taken as dead and the answer recovered. */
    streamIdleMs: number;
  };
  conversation: {
    /** A question after this much quiet starts a new conversation (0: never). */
    resetAfterIdleMinutes: number;
  };
  uploads: {
    concurrency: number;
    /** Per picture, all attempts together. */
    budgetMs: number;
    backoffMs: number;
    /** At "reply", the longest wait for pictures still uploading. */
    waitAtReplyMs: number;
    /** ffmpeg MJPEG quality scale for resized pictures, 2 (best) to 31. */
    qscale: number;
    /** Uploaded files are deleted on OpenAI after this long (and when the conversation is reset). */
    deleteAfterHours: number;
  };
  spool: {
    retryMs: number;
    maxRetryMs: number;
    /** After a refusal that needs a person (bad key, forbidden). */
    refusedRetryMs: number;
    /** Questions older than this are given up, said aloud. */
    maxAgeHours: number;
  };
  commands: { snapshot: string; reply: string; confirm: string; cancel: string; stop: string };
  recogniser: {
    engine: 'vosk' | 'pocketsphinx' | 'learned';
    modelDir?: string;
    /** Seconds without speech after "reply" (and "cancel") before it counts (the end of the utterance). */
    replyGapSeconds?: number;
    /** Seconds without speech before "reply" (and "cancel") for it to count (said on its own); 0 turns the check off. */
    replyPauseBeforeSeconds?: number;
    /** The same in a noisy room, where a sentence's weak sounds leave gaps as long as a short pause (off when replyPauseBeforeSeconds is 0). */
    replyPauseBeforeNoisySeconds?: number;
    /** Per command word detection thresholds: PocketSphinx -kws_threshold (e.g. { "snapshot": 1e-25 }) or the learned detector's score (e.g. 0.9). */
    thresholds?: Record<string, number>;
    /** What suppresses noise in a noisy room: RNNoise (the default) or speexdsp. */
    noiseSuppressor?: 'rnnoise' | 'speex';
    /** speexdsp's noise attenuation in a noisy room, dB (negative); 0 turns noise suppression off (either suppressor). */
    noiseSuppressDb?: number;
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
    /** auto: a Pi camera if one is listed, else the USB webcam at `device`, else none; rpicam: Pi camera (rpicam-vid or libcamera-vid); v4l2: USB webcam through ffmpeg; still: kept-warm rpicam-still; file: MJPEG or one JPEG. */
    kind: 'auto' | 'rpicam' | 'v4l2' | 'still' | 'file' | 'none';
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
  speaker: {
    device?: string;
    voice: string;
    rate: number;
    cues: boolean;
    /** Cancel the speaker's echo from the microphone's audio (barge-in "stop" over an answer). */
    echoCancel: boolean;
    /**
     * The least time from handing sound to aplay to the microphone hearing it. Err low: the canceller
     * covers an echo up to 250 ms later than this, none earlier.
     */
    echoLatencyMs: number;
  };
  zapier: {
    transport: 'hook' | 'mcp' | 'none';
    /** The function the model sees (hook transport). */
    name: string;
    description: string;
    parameters: FunctionToolDefinition['parameters'];
    timeoutMs: number;
    /** All attempts of one call, backoff included (429 and 5xx are retried). */
    budgetMs: number;
    /** `always`: an action runs only after the spoken confirm word (or the button). */
    confirm: 'never' | 'always';
    confirmTimeoutMs: number;
    mcp: { serverUrl?: string; serverLabel: string; allowedTools: string[]; requireApproval: 'always' | 'never' };
  };
  stateDir: string;
  gpio: GpioConfig;
}

/** Status LEDs and the button. Pins are BCM GPIO numbers on the 40-pin header; null leaves one out. */
export interface GpioConfig {
  /** Off on a laptop or in CI: the states are logged instead. */
  enabled: boolean;
  sysfsRoot: string;
  /** Label of the header's GPIO controller, when it is none of the Raspberry Pi ones. */
  chip?: string;
  leds: Record<'listening' | 'recording' | 'snapshot' | 'thinking' | 'speaking' | 'error', number | null>;
  button: number | null;
  buttonActiveLow: boolean;
  debounceMs: number;
  longPressMs: number;
  snapshotFlashMs: number;
}

export interface Secrets {
  openaiApiKey?: string;
  zapierHookUrl?: string;
  /** Sent as the Authorization header to Zapier's MCP server. */
  zapierMcpAuthorization?: string;
}

export const DEFAULT_CONFIG: Config = {
  api: 'responses',
  openai: {
    baseURL: 'https://api.openai.com/v1',
    model: 'gpt-4.1-mini',
    instructions:
      'You are a helpful assistant inside a small device on a shelf. The user speaks a question and may show you pictures taken by its camera. ' +
      'Your answer is read aloud: answer briefly, in plain sentences, without lists, markdown or URLs.',
    detail: 'high',
    timeoutMs: 60_000,
    streamIdleMs: 30_000,
  },
  conversation: { resetAfterIdleMinutes: 0 },
  uploads: { concurrency: 3, budgetMs: 60_000, backoffMs: 500, waitAtReplyMs: 8_000, qscale: 4, deleteAfterHours: 24 },
  spool: { retryMs: 2_000, maxRetryMs: 60_000, refusedRetryMs: 600_000, maxAgeHours: 24 },
  commands: { snapshot: 'snapshot', reply: 'reply', confirm: 'confirm', cancel: 'cancel', stop: 'stop' },
  // modelDir unset: each engine's own default (createRecogniser).
  recogniser: { engine: 'pocketsphinx' },
  audio: {},
  transcription: { enabled: false, model: 'gpt-4o-transcribe', timeoutMs: 8000 },
  tts: { engine: 'espeak', model: 'gpt-4o-mini-tts', voice: 'alloy', format: 'pcm', timeoutMs: 5000 },
  camera: {
    kind: 'auto', device: '/dev/video0', quality: 85, stallSeconds: 5, choose: 'first',
    width: 1280, height: 720, fps: 15, bufferSeconds: 3, bufferMB: 32, pipelineDelayMs: 60,
  },
  speaker: { voice: 'en-us', rate: 165, cues: true, echoCancel: true, echoLatencyMs: 20 },
  zapier: {
    transport: 'hook',
    name: DEFAULT_ZAPIER_TOOL.name,
    description: DEFAULT_ZAPIER_TOOL.description,
    parameters: DEFAULT_ZAPIER_TOOL.parameters,
    timeoutMs: 10_000,
    budgetMs: 20_000,
    confirm: 'never',
    confirmTimeoutMs: 15_000,
    mcp: { serverLabel: 'zapier', allowedTools: [], requireApproval: 'always' },
  },
  // $STATE_DIRECTORY under systemd (/var/lib/snapask), else the user's XDG state directory; loadConfig derives it
  // again from the environment it is given. The config file and SNAPASK_STATE_DIR win over both.
  stateDir: defaultStateDir(process.env),
  gpio: {
    enabled: false,
    sysfsRoot: '/sys/class/gpio',
    leds: { listening: 17, recording: 27, snapshot: 22, thinking: 23, speaking: 24, error: 25 },
    button: 5,
    buttonActiveLow: true,
    debounceMs: 30,
    longPressMs: 1500,
    snapshotFlashMs: 300,
  },
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Check = (v: unknown) => boolean;
const isStr: Check = (v) => typeof v === 'string' && v.length > 0;
const isPos: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isNonNeg: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const oneOf = (...allowed: string[]): Check => (v) => typeof v === 'string' && allowed.includes(v);
const isBool: Check = (v) => typeof v === 'boolean';
const isPin: Check = (v) => v === null || (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 27);
const PIN = 'a BCM GPIO number 0-27, or null for none';
const isInt = (min: number, max: number): Check => (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isStrList: Check = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0);
const isUrl: Check = (v) => typeof v === 'string' && /^https?:\/\/\S+$/.test(v);
/** A flat JSON schema object: what the tool check and the model both understand. */
const isParams: Check = (v) => {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  if (o.type !== 'object' || typeof o.properties !== 'object' || o.properties === null) return false;
  const props = Object.values(o.properties as Record<string, unknown>);
  if (!props.every((p) => typeof p === 'object' && p !== null && typeof (p as { type?: unknown }).type === 'string')) return false;
  return o.required === undefined || (isStrList(o.required) && (o.required as string[]).every((k) => k in (o.properties as object)));
};

/** Each key the file may set, with what it allows (shown in the error). */
const RULES: Record<string, [Check, string]> = {
  api: [oneOf('assistants', 'responses'), '"assistants" or "responses"'],
  'openai.baseURL': [(v) => typeof v === 'string' && /^https?:\/\//.test(v), 'an http(s) URL'],
  'openai.model': [isStr, 'a model name'],
  'openai.instructions': [(v) => typeof v === 'string', 'text'],
  'openai.detail': [oneOf('low', 'high', 'auto', 'original'), 'low, high, auto or original'],
  'openai.assistantId': [isStr, 'an assistant id (asst_...)'],
  'openai.timeoutMs': [isPos, 'a positive number of milliseconds'],
  'openai.streamIdleMs': [isPos, 'a positive number of milliseconds'],
  'conversation.resetAfterIdleMinutes': [isNonNeg, 'minutes, 0 for never'],
  'uploads.concurrency': [isInt(1, 16), 'a whole number from 1 to 16'],
  'uploads.budgetMs': [isPos, 'milliseconds'],
  'uploads.backoffMs': [isPos, 'milliseconds'],
  'uploads.waitAtReplyMs': [isNonNeg, 'milliseconds, 0 or more'],
  'uploads.qscale': [isInt(2, 31), 'a whole number from 2 (best) to 31'],
  'uploads.deleteAfterHours': [isPos, 'hours'],
  'spool.retryMs': [isPos, 'milliseconds'],
  'spool.maxRetryMs': [isPos, 'milliseconds'],
  'spool.refusedRetryMs': [isPos, 'milliseconds'],
  'spool.maxAgeHours': [isPos, 'hours'],
  'commands.snapshot': [isStr, 'a word'],
  'commands.reply': [isStr, 'a word'],
  'commands.confirm': [isStr, 'a word'],
  'commands.cancel': [isStr, 'a word'],
  'commands.stop': [isStr, 'a word'],
  'recogniser.engine': [oneOf('learned', 'vosk', 'pocketsphinx'), 'learned, vosk or pocketsphinx'],
  'recogniser.modelDir': [isStr, 'a directory path'],
  'recogniser.replyGapSeconds': [(v) => typeof v === 'number' && v >= 0.2 && v <= 5, 'seconds, 0.2 to 5'],
  'recogniser.replyPauseBeforeSeconds': [(v) => typeof v === 'number' && v >= 0 && v <= 1, 'seconds, 0 to 1 (0 turns the check off)'],
  'recogniser.replyPauseBeforeNoisySeconds': [(v) => typeof v === 'number' && v >= 0 && v <= 1, 'seconds, 0 to 1'],
  'recogniser.noiseSuppressor': [oneOf('rnnoise', 'speex'), 'rnnoise or speex'],
  'recogniser.noiseSuppressDb': [(v) => typeof v === 'number' && v >= -40 && v <= 0, 'dB, -40 to 0 (0 turns it off)'],
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
  'camera.kind': [oneOf('auto', 'rpicam', 'v4l2', 'still', 'file', 'none'), 'auto, rpicam, v4l2, still, file or none'],
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
  'speaker.cues': [(v) => typeof v === 'boolean', 'true or false'],
  'speaker.echoCancel': [(v) => typeof v === 'boolean', 'true or false'],
  'speaker.echoLatencyMs': [(v) => typeof v === 'number' && v >= 0 && v <= 1000, 'milliseconds, 0 to 1000'],
  'zapier.transport': [oneOf('hook', 'mcp', 'none'), 'hook (a catch hook), mcp (Zapier\'s MCP server, api = "responses" only) or none'],
  'zapier.name': [(v) => typeof v === 'string' && /^[a-zA-Z0-9_-]{1,64}$/.test(v), 'a function name of letters, digits, _ or -, up to 64'],
  'zapier.description': [isStr, 'text'],
  'zapier.parameters': [isParams, 'a JSON schema object: {"type":"object","properties":{...},"required":[...]}'],
  'zapier.timeoutMs': [isPos, 'milliseconds'],
  'zapier.budgetMs': [isPos, 'milliseconds'],
  'zapier.confirm': [oneOf('never', 'always'), 'never or always'],
  'zapier.confirmTimeoutMs': [isPos, 'milliseconds'],
  'zapier.mcp.serverUrl': [isUrl, 'an http(s) URL'],
  'zapier.mcp.serverLabel': [(v) => typeof v === 'string' && /^[a-zA-Z0-9_-]{1,64}$/.test(v), 'a label of letters, digits, _ or -'],
  'zapier.mcp.allowedTools': [isStrList, 'a list of tool names'],
  'zapier.mcp.requireApproval': [oneOf('always', 'never'), 'always or never'],
  stateDir: [isStr, 'a directory path'],
  'gpio.enabled': [isBool, 'true or false'],
  'gpio.sysfsRoot': [isStr, 'a directory path'],
  'gpio.chip': [isStr, 'a gpiochip label, e.g. pinctrl-rp1'],
  'gpio.leds.listening': [isPin, PIN],
  'gpio.leds.recording': [isPin, PIN],
  'gpio.leds.snapshot': [isPin, PIN],
  'gpio.leds.thinking': [isPin, PIN],
  'gpio.leds.speaking': [isPin, PIN],
  'gpio.leds.error': [isPin, PIN],
  'gpio.button': [isPin, PIN],
  'gpio.buttonActiveLow': [isBool, 'true or false'],
  'gpio.debounceMs': [isPos, 'milliseconds'],
  'gpio.longPressMs': [isPos, 'milliseconds'],
  'gpio.snapshotFlashMs': [isPos, 'milliseconds'],
};

/** Every key a config file (or a SNAPASK_ variable) may set. */
export function configKeys(): string[] {
  return Object.keys(RULES);
}

/**
 * The environment variable that overrides a key: SNAPASK_ and the key in
 * upper snake case (camera.bufferMB -> SNAPASK_CAMERA_BUFFER_MB).
 */
export function envName(key: string): string {
  return `SNAPASK_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase()}`;
}

/**
 * SNAPASK_* variables over the file (systemd's Environment= or the env file). A value is taken as text if the key
 * allows text, else as JSON (numbers, true/false, null).
 */
function applyEnvOverrides(config: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const known = new Map(Object.keys(RULES).map((k) => [envName(k), k]));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('SNAPASK_') || raw === undefined) continue;
    const key = known.get(name);
    // Other SNAPASK_ variables (SNAPASK_CONFIG, SNAPASK_LIBVOSK, test settings) are not config keys.
    if (!key) continue;
    let value: unknown = raw;
    if (!RULES[key]![0](raw)) {
      try {
        value = JSON.parse(raw);
      } catch {
        // Not JSON either: the rule's error below names the value as given.
      }
    }
    set(config, key, value, `environment ${name}`);
  }
}

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
  config.stateDir = defaultStateDir(env);
  merge(config as unknown as Record<string, unknown>, fromFile, '', path ?? 'config');
  applyEnvOverrides(config as unknown as Record<string, unknown>, env);
  if (config.camera.kind === 'file' && !config.camera.file) throw new ConfigError(`${path ?? 'config'}: camera.kind "file" needs camera.file (an MJPEG or JPEG file)`);
  if (env.OPENAI_BASE_URL) set(config as unknown as Record<string, unknown>, 'openai.baseURL', env.OPENAI_BASE_URL, 'OPENAI_BASE_URL');
  if (config.zapier.transport === 'mcp') {
    if (config.api !== 'responses') throw new ConfigError(`${path ?? 'config'}: zapier.transport = "mcp" needs api = "responses" (the Assistants API has no MCP tool)`);
    if (!config.zapier.mcp.serverUrl) throw new ConfigError(`${path ?? 'config'}: zapier.transport = "mcp" needs zapier.mcp.serverUrl`);
  }
  // The environment's secrets; the service adds its own secrets file under them (SecretsFile).
  return { config, secrets: secretsFromVars(env) };
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

/** The command words the recogniser spots: "confirm" only when actions wait for it. */
export function spokenCommands(config: Config): CommandWordSet {
  const { confirm, ...always } = config.commands;
  return config.zapier.confirm === 'always' ? { ...always, confirm } : always;
}
