import { type SchemaOptions, type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';
import { DEFAULT_ZAPIER_TOOL, type JsonSchemaObject } from '../assistant/zapier-tool';
import {
  DEFAULT_REPLY_GAP_SECONDS,
  DEFAULT_REPLY_PAUSE_BEFORE_NOISY_SECONDS,
  DEFAULT_REPLY_PAUSE_BEFORE_SECONDS,
} from '../recognition/command-words';

/*
 * Everything the service can be told, declared once. From this come the Config type, the defaults, the checks and
 * their messages, the SNAPASK_ variable names and README's configuration table (config-keys.ts, config-table.ts).
 * Secrets are not here: they come from the environment and the secrets file (secrets-file.ts).
 *
 * Annotations besides JSON Schema's own: `unit` (what a number counts, shown in errors), `allowed` (what an error
 * says is allowed, where the constraints alone would say it badly), `defaultText` (README's default, for a key whose
 * default is not a fixed value here), `envAlias` (a second variable for the key, applied after SNAPASK_ ones).
 * An object whose fields have no description is one row in README's table.
 */

const obj = <T extends Parameters<typeof Type.Object>[0]>(properties: T, options: SchemaOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });
const text = (description: string, def: string, options: SchemaOptions = {}) => Type.String({ minLength: 1, description, default: def, ...options });
const bool = (description: string, def: boolean) => Type.Boolean({ description, default: def });
/** A number above 0 of `unit`. */
const positive = (unit: string, description: string, def: number | undefined, options: SchemaOptions = {}) =>
  Type.Number({ exclusiveMinimum: 0, unit, description, ...(def === undefined ? {} : { default: def }), ...options });
/** 0 or more `unit`. */
const atLeastZero = (unit: string, description: string, def: number, options: SchemaOptions = {}) =>
  Type.Number({ minimum: 0, unit, description, default: def, ...options });
function oneOf<const T extends readonly string[]>(values: T, description: string, def: T[number] | undefined, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v)), { ...(description ? { description } : {}), ...(def === undefined ? {} : { default: def }), ...options }));
}
const pin = (def: number | null) =>
  Type.Union([Type.Integer({ minimum: 0, maximum: 27 }), Type.Null()], { default: def, allowed: 'a BCM GPIO number 0-27, or null for none' });
const word = (def: string) => Type.String({ minLength: 1, default: def, allowed: 'a word' });
const httpUrl = { pattern: '^https?://\\S+$', allowed: 'an http(s) URL' };
const identifier = (what: string) => ({ pattern: '^[a-zA-Z0-9_-]{1,64}$', allowed: `${what} of letters, digits, _ or -, up to 64` });

/** A flat JSON schema object: what the tool check and the model both understand (every required name a property). */
const ToolParameters = Type.Unsafe<JsonSchemaObject>({
  type: 'object',
  required: ['type', 'properties'],
  properties: {
    type: { const: 'object' },
    properties: { type: 'object', additionalProperties: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } } },
    required: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
  requiredListed: true,
  allowed: 'a JSON schema object: {"type":"object","properties":{...},"required":[...]}',
  description: 'the function\'s arguments the model fills in, a JSON-schema object',
  default: DEFAULT_ZAPIER_TOOL.parameters,
  defaultText: '`{instruction, subject?}`',
});

const Gpio = obj(
  {
    enabled: bool('drive the status LEDs and read the button (`true` in the device example); without it the states are logged', false),
    sysfsRoot: text('sysfs GPIO directory', '/sys/class/gpio', { allowed: 'a directory path' }),
    chip: Type.Optional(
      Type.String({ minLength: 1, allowed: 'a gpiochip label, e.g. pinctrl-rp1', description: "label of the header's GPIO controller, when it is none of the Raspberry Pi ones", defaultText: '(found)' }),
    ),
    leds: obj(
      { listening: pin(17), recording: pin(27), snapshot: pin(22), thinking: pin(23), speaking: pin(24), error: pin(25) },
      { description: 'BCM GPIO number of each LED, `null` for none' },
    ),
    button: Type.Union([Type.Integer({ minimum: 0, maximum: 27 }), Type.Null()], {
      default: 5,
      allowed: 'a BCM GPIO number 0-27, or null for none',
      description: 'BCM GPIO number of the push button, `null` for none',
    }),
    buttonActiveLow: bool('pressed pulls the line low (pull-up and a button to ground)', true),
    debounceMs: positive('milliseconds', 'contact bounce filter', 30),
    longPressMs: positive('milliseconds', 'hold time of a long press', 1500),
    snapshotFlashMs: positive('milliseconds', 'how long the snapshot LED flashes', 300),
  },
  { description: 'Status LEDs and the button. Pins are BCM GPIO numbers on the 40-pin header; null leaves one out.' },
);

export const ConfigSchema = obj({
  api: oneOf(['assistants', 'responses'] as const, 'API dialect: `responses` (Conversations + Responses) or `assistants` (retired on api.openai.com)', 'responses'),
  openai: obj({
    baseURL: Type.String({ pattern: '^https?://', allowed: 'an http(s) URL', default: 'https://api.openai.com/v1', envAlias: 'OPENAI_BASE_URL', description: "the OpenAI API's address" }),
    model: text('model of the assistant', 'gpt-4.1-mini', { allowed: 'a model name' }),
    instructions: Type.String({
      description: "the assistant's instructions",
      defaultText: '(short, spoken-answer style)',
      default:
        'You are a helpful assistant inside a small device on a shelf. The user speaks a question and may show you pictures taken by its camera. ' +
        'Your answer is read aloud: answer briefly, in plain sentences, without lists, markdown or URLs.',
    }),
    detail: oneOf(['low', 'high', 'auto', 'original'] as const, 'image detail: `low`, `high`, `auto` or `original` (Assistants has no `original`: sent as `high`)', 'high'),
    assistantId: Type.Optional(
      Type.String({ minLength: 1, allowed: 'an assistant id (asst_...)', defaultText: '(created and remembered)', description: 'Assistants: use an existing assistant (its other function tools are removed)' }),
    ),
    timeoutMs: positive('milliseconds', 'request timeout', 60_000),
    streamIdleMs: positive('milliseconds', 'a stream silent this long is taken as dead and the answer recovered', 30_000),
  }),
  conversation: obj({
    resetAfterIdleMinutes: atLeastZero('minutes', 'a question after this much quiet opens a new conversation (0: never)', 0),
  }),
  question: obj({
    maxPauseSeconds: Type.Number({
      minimum: 0.5,
      maximum: 60,
      unit: 'seconds',
      default: 4,
      description: 'the question is what you said up to "reply" without a longer pause (and back to where you said your first "snapshot"); talk before that is forgotten',
    }),
  }),
  uploads: obj({
    concurrency: Type.Integer({ minimum: 1, maximum: 16, default: 3, description: 'pictures uploaded at once' }),
    budgetMs: positive('milliseconds', 'all attempts of one picture together', 60_000),
    backoffMs: positive('milliseconds', 'first wait before retrying an upload', 500),
    waitAtReplyMs: atLeastZero('milliseconds', 'at "reply", the longest wait for pictures still uploading', 8_000),
    qscale: Type.Integer({ minimum: 2, maximum: 31, default: 4, description: 'ffmpeg JPEG quality scale for resized pictures (2 is best)' }),
    deleteAfterHours: positive('hours', 'uploaded files are deleted on OpenAI after this (and when the conversation is reset)', 24),
  }),
  spool: obj({
    retryMs: positive('milliseconds', 'first wait before sending a held question again', 2_000),
    maxRetryMs: positive('milliseconds', 'longest wait between tries of a held question', 60_000),
    refusedRetryMs: positive('milliseconds', 'wait after a 401/403 (bad key, forbidden) before trying again', 600_000),
    maxAgeHours: positive('hours', 'a question older than this is given up, said aloud', 24),
    maxQuestionSeconds: Type.Number({
      minimum: 10,
      maximum: 1400,
      unit: 'seconds',
      default: 300,
      description: "a question's audio is kept (FLAC, beside its pictures) and sent in files of at most this long; a longer question is split",
    }),
  }),
  commands: obj(
    { snapshot: word('snapshot'), reply: word('reply'), confirm: word('confirm'), cancel: word('cancel'), stop: word('stop') },
    {
      description:
        "the command words (different words in the model's vocabulary; another language needs that language's Vosk model); `confirm` is listened for only with `zapier.confirm = \"always\"`",
    },
  ),
  recogniser: obj(
    {
      engine: oneOf(
        ['pocketsphinx', 'vosk', 'learned', 'combined'] as const,
        "offline recogniser: `pocketsphinx` (Debian's PocketSphinx, no model download, the engine the published figures are measured on), `vosk` (the Vosk English model the installer downloads; not measurable here), `learned` (a small learned keyword detector on openWakeWord's speech embedding: better than PocketSphinx inside sentences, with talk in the background and far away, worse on words said alone by some voices; figures in [docs/measurements.md](docs/measurements.md#held-out-bench)), or `combined` (the learned detector and PocketSphinx together: a word counts when either hears it, once; hears the most of the three on voices and rooms none was tuned on, with PocketSphinx's false sends; the device's default, `deploy/config.example.json`; figures in [docs/measurements.md](docs/measurements.md#keywords-from-both-engines-combined))",
        'pocketsphinx',
      ),
      // Unset: each engine's own default (createRecogniser).
      modelDir: Type.Optional(
        Type.String({
          minLength: 1,
          allowed: 'a directory path',
          defaultText: "the engine's own",
          description: "Vosk: `/opt/snapask/vosk-model`; PocketSphinx (also the `learned` engine's transcript of the question): `/usr/share/pocketsphinx/model/en-us`",
        }),
      ),
      replyGapSeconds: Type.Optional(
        Type.Number({ minimum: 0.2, maximum: 5, unit: 'seconds', defaultText: String(DEFAULT_REPLY_GAP_SECONDS), description: 'silence after "reply" (and "cancel") before it counts' }),
      ),
      replyPauseBeforeSeconds: Type.Optional(
        Type.Number({
          minimum: 0,
          maximum: 1,
          unit: 'seconds',
          defaultText: String(DEFAULT_REPLY_PAUSE_BEFORE_SECONDS),
          description: 'silence just before "reply" (and "cancel") for it to count (0 turns the check off)',
        }),
      ),
      replyPauseBeforeNoisySeconds: Type.Optional(
        Type.Number({
          minimum: 0,
          maximum: 1,
          unit: 'seconds',
          defaultText: String(DEFAULT_REPLY_PAUSE_BEFORE_NOISY_SECONDS),
          description: 'the same in a noisy room, where weak sounds of a sentence leave gaps (off with the check when `replyPauseBeforeSeconds` is 0)',
        }),
      ),
      thresholds: Type.Optional(
        Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }), {
          allowed: 'an object of word: threshold (a number between 0 and 1, e.g. 1e-25)',
          defaultText: 'tuned per word',
          description:
            'per-word detection thresholds, each between 0 and 1: PocketSphinx\'s keyword thresholds, e.g. `{"snapshot": 1e-25}` (one set here holds in a quiet and a noisy room alike), or the learned detector\'s score, e.g. 0.9',
        }),
      ),
      noiseSuppressor: Type.Optional(
        oneOf(['rnnoise', 'speex', 'none'] as const, 'what suppresses noise in a noisy room: `rnnoise` (far better for PocketSphinx in noise), `speex` (speexdsp, nearly free) or `none` (the learned detector was trained on noisy audio as the microphone hears it)', undefined, {
          defaultText: '`none` for the `learned` engine, else `rnnoise`',
        }),
      ),
      // Its default lives with the suppressor (cleaned-recogniser.ts); a test keeps this text equal to it.
      noiseSuppressDb: Type.Optional(
        Type.Number({ minimum: -40, maximum: 0, unit: 'dB', defaultText: '-10', description: "speexdsp's noise attenuation in a noisy room; 0 turns noise suppression off, either suppressor" }),
      ),
    },
    { description: 'The offline recogniser of the command words.' },
  ),
  audio: obj({
    device: Type.Optional(Type.String({ minLength: 1, allowed: 'an ALSA device name', defaultText: 'ALSA default', description: 'the microphone: `arecord -D` device' })),
    reopenMs: Type.Optional(positive('milliseconds', 'first wait before reopening a lost microphone; doubles up to `audio.reopenMaxMs`', undefined, { defaultText: '500' })),
    reopenMaxMs: Type.Optional(positive('milliseconds', 'longest wait before reopening a lost microphone', undefined, { defaultText: '10000' })),
  }),
  transcription: obj(
    {
      mode: Type.Optional(
        oneOf(['cloud', 'offline'] as const, "who writes your question's text: OpenAI (`cloud`, far fewer wrong words) or the device (`offline`); see [Privacy](#privacy)", undefined, {
          defaultText: '`cloud` when an OpenAI key is set at start, else `offline`',
        }),
      ),
      enabled: Type.Optional(Type.Boolean({ description: 'deprecated: `true` is `mode` `cloud`, `false` `offline`', defaultText: '-' })),
      model: text('the cloud model (`gpt-4o-mini-transcribe` is cheaper)', 'gpt-4o-transcribe', { allowed: 'a transcription model (gpt-4o-transcribe or newer)' }),
      language: Type.Optional(Type.String({ pattern: '^[a-z]{2}$', allowed: 'an ISO-639-1 language code (en, de, ...)', description: 'the language as `en`, `de`, ... if you know it', defaultText: '(any)' })),
      timeoutMs: positive('milliseconds', 'all attempts of one transcription request', 8000),
      concurrency: Type.Integer({ minimum: 1, maximum: 8, default: 2, description: 'requests at once (once a question has a picture, its parts go while you speak)' }),
    },
    { description: 'Who writes the question\'s text: OpenAI\'s transcription, or the device\'s recogniser.' },
  ),
  tts: obj(
    {
      engine: Type.Optional(
        oneOf(['openai', 'espeak'] as const, "the answer's voice: OpenAI's speech endpoint (`openai`), or espeak-ng offline (`espeak`, also the fallback)", undefined, {
          defaultText: '`openai` when an OpenAI key is set at start, else `espeak`',
        }),
      ),
      model: text('the speech model', 'gpt-4o-mini-tts', { allowed: 'a speech model (gpt-4o-mini-tts, tts-1, ...)' }),
      voice: text('the OpenAI voice', 'alloy', { allowed: 'a voice (alloy, coral, ...)' }),
      format: oneOf(['pcm', 'wav'] as const, 'audio format asked of the speech endpoint: `pcm` or `wav`', 'pcm'),
      timeoutMs: positive('milliseconds', 'longest wait for speech before falling back to espeak-ng', 5000),
    },
    { description: 'Speech of the answers.' },
  ),
  camera: obj({
    kind: oneOf(
      ['auto', 'rpicam', 'v4l2', 'still', 'file', 'none'] as const,
      '`auto` (a Pi camera if `rpicam-vid --list-cameras` lists one, else the webcam at `camera.device`, else none), `rpicam` (Pi camera), `v4l2` (USB webcam), `still` (kept-warm stills), `file`, or `none` (voice only); see [docs/architecture.md](docs/architecture.md#camera)',
      'auto',
    ),
    device: text('the USB webcam (`v4l2`)', '/dev/video0', { allowed: 'a V4L2 device path (/dev/video0)' }),
    file: Type.Optional(Type.String({ minLength: 1, allowed: 'an MJPEG or JPEG file path', defaultText: '(none)', description: 'MJPEG or one JPEG played as the camera (`file`)' })),
    quality: Type.Integer({ minimum: 1, maximum: 100, allowed: 'a JPEG quality from 1 to 100', default: 85, description: 'JPEG quality the camera encodes at (`rpicam`, `still`)' }),
    stallSeconds: positive('seconds', 'no frame (or no still after the signal) for this long: the camera process is restarted', 5),
    choose: oneOf(
      ['first', 'sharpest'] as const,
      "`first`: the first frame from the word's start; `sharpest`: the sharpest frame spoken during the word (needs `libturbojpeg0`)",
      'first',
    ),
    width: positive('pixels', 'capture width (`still`: the still\'s)', 1280),
    height: positive('pixels', 'capture height', 720),
    fps: positive('frames per second', 'capture frame rate', 15),
    bufferSeconds: positive('seconds', 'ring buffer length (memory only): this or `bufferMB`, whichever binds first', 3),
    bufferMB: positive('megabytes', 'ring buffer size bound', 32),
    pipelineDelayMs: atLeastZero('milliseconds', 'shutter-to-timestamp delay subtracted from frame times (`still`: the encode time)', 60),
  }),
  speaker: obj({
    device: Type.Optional(Type.String({ minLength: 1, allowed: 'an ALSA device name', defaultText: 'ALSA default', description: '`aplay -D` device' })),
    voice: text('`espeak-ng` voice', 'en-us', { allowed: 'an espeak-ng voice' }),
    rate: positive('words per minute', '`espeak-ng` speed', 165),
    cues: bool('click, chime and error tone', true),
    echoCancel: bool("cancel the speaker's echo from the microphone's audio (the command words heard over its own voice)", true),
    echoLatencyMs: Type.Number({
      minimum: 0,
      maximum: 1000,
      unit: 'milliseconds',
      default: 20,
      description: 'the least time from handing sound to `aplay` to the microphone hearing it (err low: the canceller covers up to 250 ms more, nothing less)',
    }),
  }),
  zapier: obj({
    transport: oneOf(
      ['hook', 'mcp', 'none'] as const,
      '`hook` (catch hook, `ZAPIER_HOOK_URL`), `mcp` (Zapier MCP server, `ZAPIER_MCP_TOKEN`; `api = "responses"` only), `none`',
      'hook',
    ),
    name: Type.String({ ...identifier('a function name'), default: DEFAULT_ZAPIER_TOOL.name, description: 'the function the model sees (hook transport)' }),
    description: text('what the model is told the function does', DEFAULT_ZAPIER_TOOL.description, { allowed: 'text', defaultText: '(actions)' }),
    parameters: ToolParameters,
    timeoutMs: positive('milliseconds', 'one hook call', 10_000),
    budgetMs: positive('milliseconds', 'all attempts of one call, backoff included (429 and 5xx are retried)', 20_000),
    confirm: oneOf(['never', 'always'] as const, '`always`: an action runs only after the spoken confirm word or the button', 'never'),
    confirmTimeoutMs: positive('milliseconds', 'longest wait for the confirm word', 15_000),
    mcp: obj(
      {
        serverUrl: Type.Optional(Type.String({ ...httpUrl, defaultText: '-' })),
        serverLabel: Type.String({ ...identifier('a label'), default: 'zapier' }),
        allowedTools: Type.Array(Type.String({ minLength: 1 }), { default: [], allowed: 'a list of tool names', defaultText: 'all' }),
        requireApproval: oneOf(['always', 'never'] as const, '', 'always'),
      },
      { description: 'the MCP transport: the server, its label, the tools it may use (none listed: all), whether OpenAI asks before each call' },
    ),
  }),
  stateDir: Type.String({
    minLength: 1,
    allowed: 'a directory path',
    defaultText: '`/var/lib/snapask` under systemd (`$STATE_DIRECTORY`), else `$XDG_STATE_HOME/snapask` (`~/.local/state/snapask`)',
    description: 'the spool, the conversation (or assistant and thread) ids, the ledger of uploaded files, the settings changed at run time',
  }),
  gpio: Gpio,
  console: obj({
    enabled: bool('the web console ([The console](../README.md#the-console)); off where no config turns it on (`true` in the device example)', false),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 8080, allowed: 'a TCP port, 1 to 65535', description: "the console's TCP port" }),
    host: text('the address it listens on: every network, or `127.0.0.1` behind a reverse proxy', '0.0.0.0', { allowed: 'an address to listen on' }),
    previewFps: Type.Number({ exclusiveMinimum: 0, maximum: 15, unit: 'pictures a second', default: 3, description: 'the camera on the live page' }),
    history: obj(
      {
        maxQuestions: Type.Integer({ minimum: 1, maximum: 10_000, default: 200 }),
        maxDays: positive('days', '', 30),
        maxMB: positive('megabytes', '', 200),
      },
      { description: "what the console's history keeps: questions, days, megabytes (the oldest go first)" },
    ),
  }),
});

/** Everything the service can be told (the schema's type). */
export type Config = Static<typeof ConfigSchema>;
/** Status LEDs and the button. */
export type GpioConfig = Static<typeof Gpio>;
export type ConfigSchemaNode = TSchema;
