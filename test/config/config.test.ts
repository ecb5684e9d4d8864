import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configKeys, DEFAULT_CONFIG, envName, loadConfig } from '../../src/config/config';
import { transcriptionMode } from '../../src/app/create-transcriber';
import { speechEngine } from '../../src/app/create-synth';

const dir = mkdtempSync(join(tmpdir(), 'snapask-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('loadConfig', () => {
  it('merges a file over the defaults and takes secrets only from the environment', () => {
    const p = file('ok.json', JSON.stringify({ openai: { detail: 'low' }, camera: { fps: 10 } }));
    const { config, secrets } = loadConfig(p, { OPENAI_API_KEY: 'sk-test', ZAPIER_HOOK_URL: 'https://hooks.zapier.com/x' });
    expect(config.openai.detail).toBe('low');
    expect(config.openai.model).toBe(DEFAULT_CONFIG.openai.model);
    expect(config.camera).toMatchObject({ fps: 10, width: 1280 });
    expect(secrets).toEqual({ openaiApiKey: 'sk-test', zapierHookUrl: 'https://hooks.zapier.com/x' });
  });

  it('names the key, the value and what is allowed', () => {
    const p = file('bad.json', JSON.stringify({ openai: { detail: 'ultra' } }));
    expect(() => loadConfig(p, {})).toThrow(/openai\.detail = "ultra" is not allowed; expected low, high, auto or original/);
  });

  it('rejects unknown keys, broken JSON and a missing file with one line each', () => {
    expect(() => loadConfig(file('unk.json', '{"camera":{"zoom":2}}'), {})).toThrow(/unknown key "camera\.zoom"/);
    expect(() => loadConfig(file('broken.json', '{"api": '), {})).toThrow(/broken\.json is not valid JSON/);
    expect(() => loadConfig(join(dir, 'absent.json'), {})).toThrow(/cannot read config file .*absent\.json: ENOENT/);
  });
});

describe('transcription.mode', () => {
  it('is cloud when an OpenAI key is configured and nothing says otherwise; the old transcription.enabled still reads', () => {
    const mode = (cfg: object, env: NodeJS.ProcessEnv) => {
      const { config, secrets } = loadConfig(file('mode.json', JSON.stringify(cfg)), env);
      return transcriptionMode(config, secrets);
    };
    expect(mode({}, { OPENAI_API_KEY: 'sk-test' })).toBe('cloud');
    expect(mode({}, {})).toBe('offline');
    expect(mode({ transcription: { mode: 'offline' } }, { OPENAI_API_KEY: 'sk-test' })).toBe('offline');
    expect(mode({ transcription: { enabled: false } }, { OPENAI_API_KEY: 'sk-test' })).toBe('offline');
    expect(mode({ transcription: { enabled: true } }, {})).toBe('cloud');
    expect(mode({ transcription: { enabled: true, mode: 'offline' } }, {})).toBe('offline');
    expect(() => mode({ transcription: { mode: 'remote' } }, {})).toThrow(/transcription\.mode = "remote" is not allowed; expected cloud or offline/);
    expect(() => mode({ question: { maxPauseSeconds: 0 } }, {})).toThrow(/question\.maxPauseSeconds = 0 is not allowed/);
  });
});

describe('tts.engine', () => {
  it("is OpenAI's voice when an OpenAI key is configured and nothing says otherwise, espeak-ng without a key", () => {
    const engine = (cfg: object, env: NodeJS.ProcessEnv) => {
      const { config, secrets } = loadConfig(file('tts.json', JSON.stringify(cfg)), env);
      return speechEngine(config, secrets);
    };
    expect(engine({}, { OPENAI_API_KEY: 'sk-test' })).toBe('openai');
    expect(engine({}, {})).toBe('espeak');
    expect(engine({ tts: { engine: 'espeak' } }, { OPENAI_API_KEY: 'sk-test' })).toBe('espeak');
    expect(engine({ tts: { engine: 'openai' } }, {})).toBe('openai');
    expect(() => engine({ tts: { engine: 'festival' } }, {})).toThrow(/tts\.engine = "festival" is not allowed; expected openai or espeak/);
  });
});

describe('the API side', () => {
  it('defaults to Conversations + Responses, since the Assistants API was retired', () => {
    expect(loadConfig(undefined, {}).config.api).toBe('responses');
  });

  it('takes a Zapier tool of the user\'s own shape, and refuses a schema the tool check cannot use', () => {
    const parameters = { type: 'object', properties: { to: { type: 'string' }, body: { type: 'string' } }, required: ['to', 'body'], additionalProperties: false };
    const { config } = loadConfig(file('tool.json', JSON.stringify({ zapier: { name: 'send_sms', description: 'text someone', parameters, confirm: 'always' } })), {});
    expect(config.zapier).toMatchObject({ name: 'send_sms', parameters, confirm: 'always', transport: 'hook' });
    expect(() => loadConfig(file('badschema.json', JSON.stringify({ zapier: { parameters: { type: 'object', properties: { a: {} } } } })), {})).toThrow(/zapier\.parameters = .* is not allowed; expected a JSON schema object/);
    expect(() => loadConfig(file('badreq.json', JSON.stringify({ zapier: { parameters: { type: 'object', properties: {}, required: ['x'] } } })), {})).toThrow(/zapier\.parameters/);
    expect(() => loadConfig(file('badname.json', JSON.stringify({ zapier: { name: 'send sms' } })), {})).toThrow(/zapier\.name = "send sms" is not allowed/);
  });

  it('MCP needs the Responses dialect and a server URL; its token comes from the environment as a bearer header', () => {
    const mcp = { zapier: { transport: 'mcp', mcp: { serverUrl: 'https://mcp.zapier.com/api/mcp/mcp', allowedTools: ['gmail_send_email'] } } };
    const { secrets, config } = loadConfig(file('mcp.json', JSON.stringify(mcp)), { ZAPIER_MCP_TOKEN: 'abc123' });
    expect(secrets.zapierMcpAuthorization).toBe('Bearer abc123');
    expect(config.zapier.mcp.requireApproval).toBe('always');
    expect(() => loadConfig(file('mcp-a.json', JSON.stringify({ api: 'assistants', ...mcp })), {})).toThrow(/zapier\.transport = "mcp" needs api = "responses"/);
    expect(() => loadConfig(file('mcp-u.json', JSON.stringify({ zapier: { transport: 'mcp' } })), {})).toThrow(/needs zapier\.mcp\.serverUrl/);
  });

  it('bounds the upload and spool settings', () => {
    expect(() => loadConfig(file('conc.json', JSON.stringify({ uploads: { concurrency: 0 } })), {})).toThrow(/uploads\.concurrency = 0 is not allowed; expected a whole number from 1 to 16/);
    expect(() => loadConfig(file('q.json', JSON.stringify({ uploads: { qscale: 1 } })), {})).toThrow(/uploads\.qscale/);
    expect(() => loadConfig(file('age.json', JSON.stringify({ spool: { maxAgeHours: -1 } })), {})).toThrow(/spool\.maxAgeHours = -1/);
  });

  it('bounds the microphone cleaning: echo cancelling on by default, noise suppression in dB of attenuation', () => {
    const { config: c } = loadConfig(file('clean.json', JSON.stringify({ recogniser: { noiseSuppressDb: 0 }, speaker: { echoLatencyMs: 80 } })), {});
    expect(c.speaker).toMatchObject({ echoCancel: true, echoLatencyMs: 80 });
    expect(c.recogniser.noiseSuppressDb).toBe(0);
    expect(() => loadConfig(file('ns.json', JSON.stringify({ recogniser: { noiseSuppressDb: 10 } })), {})).toThrow(/recogniser\.noiseSuppressDb = 10 is not allowed; expected dB, -40 to 0/);
    expect(loadConfig(file('nsk.json', JSON.stringify({ recogniser: { noiseSuppressor: 'speex' } })), {}).config.recogniser.noiseSuppressor).toBe('speex');
    expect(() => loadConfig(file('nsk2.json', JSON.stringify({ recogniser: { noiseSuppressor: 'rnn' } })), {})).toThrow(/recogniser\.noiseSuppressor = "?rnn"? is not allowed; expected rnnoise, speex or none/);
    expect(loadConfig(file('pb.json', JSON.stringify({ recogniser: { replyPauseBeforeSeconds: 0 } })), {}).config.recogniser.replyPauseBeforeSeconds).toBe(0);
    expect(() => loadConfig(file('pb2.json', JSON.stringify({ recogniser: { replyPauseBeforeSeconds: 2 } })), {})).toThrow(/recogniser\.replyPauseBeforeSeconds = 2 is not allowed; expected seconds, 0 to 1/);
    expect(loadConfig(file('pbn.json', JSON.stringify({ recogniser: { replyPauseBeforeNoisySeconds: 0.4 } })), {}).config.recogniser.replyPauseBeforeNoisySeconds).toBe(0.4);
    expect(() => loadConfig(file('pbn2.json', JSON.stringify({ recogniser: { replyPauseBeforeNoisySeconds: -1 } })), {})).toThrow(/recogniser\.replyPauseBeforeNoisySeconds = -1 is not allowed; expected seconds, 0 to 1/);
    expect(() => loadConfig(file('el.json', JSON.stringify({ speaker: { echoLatencyMs: -5 } })), {})).toThrow(/speaker\.echoLatencyMs = -5 is not allowed/);
    expect(() => loadConfig(file('ec.json', JSON.stringify({ speaker: { echoCancel: 'yes' } })), {})).toThrow(/speaker\.echoCancel = "yes" is not allowed; expected true or false/);
  });
});

describe('engine defaults', () => {
  it('without a config file: an engine that needs no model download, and whatever camera the machine has (a laptop\'s webcam)', () => {
    expect(DEFAULT_CONFIG.recogniser.engine).toBe('pocketsphinx');
    expect(DEFAULT_CONFIG.camera.kind).toBe('auto');
  });

  it('choosing pocketsphinx does not inherit the Vosk model path', () => {
    const p = file('ps.json', JSON.stringify({ recogniser: { engine: 'pocketsphinx' } }));
    expect(loadConfig(p, {}).config.recogniser).toEqual({ engine: 'pocketsphinx' });
  });
});

describe('deploy/config.example.json', () => {
  it('is a valid config', () => {
    const p = join(__dirname, '../../../deploy/config.example.json');
    expect(loadConfig(p, {}).config.camera.fps).toBe(15);
  });
});

describe('environment overrides (SNAPASK_*)', () => {
  it('names each key as SNAPASK_ and the key in upper snake case', () => {
    expect(envName('camera.bufferMB')).toBe('SNAPASK_CAMERA_BUFFER_MB');
    expect(envName('openai.baseURL')).toBe('SNAPASK_OPENAI_BASE_URL');
    expect(envName('gpio.leds.error')).toBe('SNAPASK_GPIO_LEDS_ERROR');
    expect(envName('stateDir')).toBe('SNAPASK_STATE_DIR');
  });

  it('override the file: text, numbers, booleans and null', () => {
    const p = file('env.json', JSON.stringify({ camera: { fps: 10 }, audio: { device: 'hw:1' }, gpio: { enabled: false } }));
    const { config } = loadConfig(p, {
      SNAPASK_CAMERA_FPS: '25',
      SNAPASK_AUDIO_DEVICE: 'plughw:CARD=Device,DEV=0',
      SNAPASK_GPIO_ENABLED: 'true',
      SNAPASK_GPIO_LEDS_SNAPSHOT: 'null',
      SNAPASK_COMMANDS_REPLY: 'send',
      // Not config keys: left alone.
      SNAPASK_CONFIG: p,
      SNAPASK_LIBVOSK: '/usr/local/lib/libvosk.so',
    });
    expect(config.camera.fps).toBe(25);
    expect(config.audio.device).toBe('plughw:CARD=Device,DEV=0');
    expect(config.gpio.enabled).toBe(true);
    expect(config.gpio.leds.snapshot).toBeNull();
    expect(config.gpio.leds.listening).toBe(17);
    expect(config.commands.reply).toBe('send');
  });

  it('a bad value names the variable, the key, the value and what is allowed', () => {
    expect(() => loadConfig(undefined, { SNAPASK_CAMERA_FPS: 'fast' })).toThrow(
      'environment SNAPASK_CAMERA_FPS: camera.fps = "fast" is not allowed; expected frames per second',
    );
    expect(() => loadConfig(undefined, { SNAPASK_GPIO_BUTTON: '40' })).toThrow(
      'environment SNAPASK_GPIO_BUTTON: gpio.button = 40 is not allowed; expected a BCM GPIO number 0-27, or null for none',
    );
  });

  it('every key has its own variable', () => {
    const names = configKeys().map(envName);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('SNAPASK_GPIO_CHIP');
  });
});

describe('gpio keys', () => {
  it('default to the documented wiring, off', () => {
    expect(DEFAULT_CONFIG.gpio).toMatchObject({
      enabled: false,
      sysfsRoot: '/sys/class/gpio',
      leds: { listening: 17, recording: 27, snapshot: 22, thinking: 23, speaking: 24, error: 25 },
      button: 5,
    });
  });

  it('reject a pin off the header, and a typo', () => {
    expect(() => loadConfig(file('pin.json', '{"gpio":{"leds":{"error":3.5}}}'), {})).toThrow(/gpio\.leds\.error = 3\.5 is not allowed; expected a BCM GPIO number 0-27/);
    expect(() => loadConfig(file('typo.json', '{"gpio":{"led":{"error":3}}}'), {})).toThrow(/unknown key "gpio\.led"/);
  });

  it('the device example turns GPIO on', () => {
    expect(loadConfig(join(__dirname, '../../../deploy/config.example.json'), {}).config.gpio.enabled).toBe(true);
  });
});

describe('the default stateDir', () => {
  it("outside systemd, with no config, is the user's XDG state directory", () => {
    expect(loadConfig(undefined, { XDG_STATE_HOME: '/tmp/x', HOME: '/home/pi' }).config.stateDir).toBe('/tmp/x/snapask');
    expect(loadConfig(undefined, { HOME: '/home/pi' }).config.stateDir).toBe('/home/pi/.local/state/snapask');
    // A relative XDG_STATE_HOME is invalid (XDG spec) and ignored.
    expect(loadConfig(undefined, { XDG_STATE_HOME: 'rel', HOME: '/home/pi' }).config.stateDir).toBe('/home/pi/.local/state/snapask');
  });

  it("under systemd is the unit's STATE_DIRECTORY", () => {
    const env = { STATE_DIRECTORY: '/var/lib/snapask', XDG_STATE_HOME: '/tmp/x', HOME: '/home/pi' };
    expect(loadConfig(undefined, env).config.stateDir).toBe('/var/lib/snapask');
    expect(loadConfig(undefined, { STATE_DIRECTORY: '/var/lib/a:/var/lib/b' }).config.stateDir).toBe('/var/lib/a');
  });

  it('a config file or SNAPASK_STATE_DIR wins over both', () => {
    const env = { STATE_DIRECTORY: '/var/lib/snapask', XDG_STATE_HOME: '/tmp/x' };
    const p = file('state.json', JSON.stringify({ stateDir: '/srv/from-file' }));
    expect(loadConfig(p, env).config.stateDir).toBe('/srv/from-file');
    expect(loadConfig(p, { ...env, SNAPASK_STATE_DIR: '/srv/from-env' }).config.stateDir).toBe('/srv/from-env');
    expect(loadConfig(undefined, { ...env, SNAPASK_STATE_DIR: '/srv/from-env' }).config.stateDir).toBe('/srv/from-env');
  });
});
