import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configKeys, DEFAULT_CONFIG, envName, loadConfig } from '../../src/config/config';
import { configMatchesSchema, keyInfo } from '../../src/config/config-keys';
import { configTable, readmeTable, readmeWithTable } from '../../src/config/config-table';
import { SettingsError, settingsOverlayPath, writeSettings } from '../../src/config/settings-overlay';
import { DEFAULT_NOISE_SUPPRESS_DB } from '../../src/recognition/cleaned-recogniser';
import { runCli } from '../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'snapask-schema-'));
let n = 0;
const file = (values: unknown) => {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, typeof values === 'string' ? values : JSON.stringify(values));
  return p;
};
const stateDir = () => mkdtempSync(join(dir, 'state-'));
const overlay = (state: string, values: unknown) => writeFileSync(settingsOverlayPath(state), typeof values === 'string' ? values : JSON.stringify(values));

describe('did you mean', () => {
  it('names the nearest key for a misspelt one in the file, a section or a key', () => {
    expect(() => loadConfig(file({ camera: { fsp: 10 } }), {})).toThrow('unknown key "camera.fsp"; did you mean "camera.fps"?');
    expect(() => loadConfig(file({ openai: { modle: 'gpt-4o' } }), {})).toThrow('did you mean "openai.model"?');
    expect(() => loadConfig(file({ gpio: { led: { error: 3 } } }), {})).toThrow('unknown key "gpio.led"; did you mean "gpio.leds"?');
    expect(() => loadConfig(file({ speeker: { rate: 100 } }), {})).toThrow('unknown key "speeker"; did you mean "speaker"?');
  });

  it('names the nearest variable, and its key, for an unknown SNAPASK_ variable', () => {
    expect(() => loadConfig(undefined, { SNAPASK_CAMERA_FSP: '10' })).toThrow(
      'environment SNAPASK_CAMERA_FSP: no such setting; did you mean SNAPASK_CAMERA_FPS (camera.fps)?',
    );
    expect(() => loadConfig(undefined, { SNAPASK_CONFG: '/etc/snapask/config.json' })).toThrow('did you mean SNAPASK_CONFIG?');
    // The variables that are not keys are known, and other prefixes are not ours.
    expect(() => loadConfig(undefined, { SNAPASK_CONFIG: '/x', SNAPASK_LIBVOSK: '/y', SNAPASKX: '1', OTHER_CAMERA_FPS: 'x' })).not.toThrow();
  });

  it('every mistake is its own line, the file and the environment together', () => {
    let message = '';
    try {
      loadConfig(file({ camera: { zoom: 2, fps: 'x' } }), { SNAPASK_CAMERA_FSP: '3' });
    } catch (e) {
      message = (e as Error).message;
    }
    const lines = message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.some((l) => /unknown key "camera\.zoom"; did you mean/.test(l))).toBe(true);
    expect(lines.some((l) => /camera\.fps = "x" is not allowed; expected frames per second, more than 0 \(got text\)$/.test(l))).toBe(true);
    expect(lines.some((l) => /SNAPASK_CAMERA_FSP: no such setting/.test(l))).toBe(true);
  });

  it('snapask run exits 78 (not restarted) with one line per mistake', async () => {
    const r = await runCli(['run', '--config', file({ camera: { fsp: 10 } })], { SNAPASK_GPIO_LEDS_EROR: '3' });
    expect(r.code).toBe(78);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^snapask: .*unknown key "camera\.fsp"; did you mean "camera\.fps"\?$/),
      'snapask: environment SNAPASK_GPIO_LEDS_EROR: no such setting; did you mean SNAPASK_GPIO_LEDS_ERROR (gpio.leds.error)?',
    ]);
  });
});

describe('where each value came from', () => {
  it('default, file, overlay or env, for every key; later wins', () => {
    const state = stateDir();
    overlay(state, { openai: { model: 'from-overlay', detail: 'low' }, tts: { voice: 'coral' } });
    const p = file({ openai: { model: 'from-file', timeoutMs: 5000 }, tts: { voice: 'sage' }, stateDir: state });
    const { config, sources, warnings } = loadConfig(p, { SNAPASK_TTS_VOICE: 'verse' }, { overlay: true });
    expect(warnings).toEqual([]);
    expect(config.openai).toMatchObject({ model: 'from-overlay', detail: 'low', timeoutMs: 5000 });
    expect(config.tts.voice).toBe('verse');
    expect(sources['openai.model']).toBe('overlay');
    expect(sources['openai.detail']).toBe('overlay');
    expect(sources['openai.timeoutMs']).toBe('file');
    expect(sources['tts.voice']).toBe('env');
    expect(sources['camera.fps']).toBe('default');
    expect(sources.stateDir).toBe('file');
    expect(Object.keys(sources).sort()).toEqual([...configKeys()].sort());
  });

  it('OPENAI_BASE_URL counts as the environment', () => {
    const { config, sources } = loadConfig(undefined, { OPENAI_BASE_URL: 'http://127.0.0.1:8787/v1' });
    expect(config.openai.baseURL).toBe('http://127.0.0.1:8787/v1');
    expect(sources['openai.baseURL']).toBe('env');
  });

  it('the overlay is applied only when asked (a replay keeps to the file)', () => {
    const state = stateDir();
    overlay(state, { openai: { model: 'from-overlay' } });
    const { config, sources } = loadConfig(undefined, { SNAPASK_STATE_DIR: state });
    expect(config.openai.model).toBe(DEFAULT_CONFIG.openai.model);
    expect(sources['openai.model']).toBe('default');
    expect(loadConfig(undefined, { SNAPASK_STATE_DIR: state }, { overlay: true }).config.openai.model).toBe('from-overlay');
  });

  it('the environment wins over the overlay, which wins over the file', () => {
    const state = stateDir();
    overlay(state, { camera: { fps: 20 } });
    const p = file({ camera: { fps: 10 } });
    const env = { SNAPASK_STATE_DIR: state };
    expect(loadConfig(p, env, { overlay: true }).config.camera.fps).toBe(20);
    expect(loadConfig(p, { ...env, SNAPASK_CAMERA_FPS: '30' }, { overlay: true }).config.camera.fps).toBe(30);
  });
});

describe('an invalid overlay', () => {
  const cases: [string, unknown, RegExp][] = [
    ['broken JSON', '{"openai": ', /settings\.json is not valid JSON/],
    ['an unknown key', { openai: { modle: 'x' } }, /unknown key "openai\.modle"; did you mean "openai\.model"\?/],
    ['a bad value', { openai: { detail: 'ultra' } }, /openai\.detail = "ultra" is not allowed; expected low, high, auto or original/],
    ['a rule across keys', { camera: { kind: 'file' } }, /camera\.kind "file" needs camera\.file/],
    ['the state directory itself', { stateDir: '/elsewhere' }, /stateDir cannot be set here/],
  ];
  it.each(cases)('(%s) is one warning line and left out whole; the file and environment apply', (_what, values, reason) => {
    const state = stateDir();
    overlay(state, typeof values === 'string' ? values : { ...(values as object), tts: { voice: 'coral' } });
    const { config, sources, warnings } = loadConfig(file({ camera: { fps: 12 } }), { SNAPASK_STATE_DIR: state }, { overlay: true });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(reason);
    expect(warnings[0]).toMatch(/^settings overlay ignored .*fix or delete .*settings\.json$/);
    expect(warnings[0]).not.toContain('\n');
    expect(config.camera.fps).toBe(12);
    expect(config.tts.voice).toBe(DEFAULT_CONFIG.tts.voice);
    expect(Object.values(sources)).not.toContain('overlay');
  });

  it('snapask config still shows the rest, with the warning on stderr', async () => {
    const state = stateDir();
    overlay(state, '{ not json');
    const r = await runCli(['config'], { SNAPASK_STATE_DIR: state, SNAPASK_CAMERA_FPS: '9' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^snapask: settings overlay ignored .*not valid JSON/);
    expect(r.stdout).toMatch(/^camera\.fps +9 +\(env\)$/m);
  });
});

describe('writeSettings', () => {
  it('writes checked changes atomically; loadConfig takes them as the overlay', () => {
    const state = stateDir();
    writeSettings(state, { 'openai.model': 'gpt-4o', 'tts.voice': 'coral' });
    writeSettings(state, { 'openai.detail': 'low', 'tts.voice': undefined });
    expect(JSON.parse(readFileSync(settingsOverlayPath(state), 'utf8'))).toEqual({ openai: { model: 'gpt-4o', detail: 'low' } });
    expect(readdirSync(state)).toEqual(['settings.json']);
    const { config, sources } = loadConfig(undefined, { SNAPASK_STATE_DIR: state }, { overlay: true });
    expect(config.openai).toMatchObject({ model: 'gpt-4o', detail: 'low' });
    expect(sources['openai.model']).toBe('overlay');
    expect(sources['tts.voice']).toBe('default');
  });

  it('refuses an unknown key or a bad value and changes nothing', () => {
    const state = stateDir();
    writeSettings(state, { 'openai.model': 'gpt-4o' });
    const before = readFileSync(settingsOverlayPath(state), 'utf8');
    expect(() => writeSettings(state, { 'openai.detail': 'ultra', 'openai.model': 'x' })).toThrow(SettingsError);
    expect(() => writeSettings(state, { 'openai.detail': 'ultra' })).toThrow(/openai\.detail = "ultra" is not allowed; expected low, high, auto or original/);
    expect(() => writeSettings(state, { 'tts.voise': 'coral' })).toThrow('unknown key "tts.voise"; did you mean "tts.voice"?');
    expect(() => writeSettings(state, { stateDir: '/x' })).toThrow(/stateDir cannot be set/);
    expect(readFileSync(settingsOverlayPath(state), 'utf8')).toBe(before);
  });

  it('keeps an invalid overlay aside instead of losing it', () => {
    const state = stateDir();
    overlay(state, '{ broken');
    const r = writeSettings(state, { 'tts.voice': 'coral' });
    expect(r.keptInvalid).toBe(`${settingsOverlayPath(state)}.invalid`);
    expect(readFileSync(r.keptInvalid!, 'utf8')).toBe('{ broken');
    expect(loadConfig(undefined, { SNAPASK_STATE_DIR: state }, { overlay: true }).config.tts.voice).toBe('coral');
  });
});

describe("docs/configuration.md's table", () => {
  const readme = readFileSync(join(__dirname, '../../../docs/configuration.md'), 'utf8');

  it('is the one generated from the schema (make config-table rewrites it)', () => {
    expect(readmeTable(readme)).toBe(configTable());
  });

  it('has a row naming every key', () => {
    const table = configTable();
    for (const key of configKeys()) {
      const last = key.split('.').pop()!;
      expect(table.includes(`\`${key}\``) || table.includes(`\`.${last}\``)).toBe(true);
    }
  });

  it('is replaced whole between its markers', () => {
    const stale = readme.replace('| `camera.fps` | 15 |', '| `camera.fps` | 99 |');
    expect(stale).not.toBe(readme);
    expect(readmeTable(stale)).not.toBe(configTable());
    expect(readmeWithTable(stale)).toBe(readme);
  });

  it('shows the defaults that live with their modules as they are there', () => {
    expect(keyInfo('recogniser.noiseSuppressDb')!.schema.defaultText).toBe(String(DEFAULT_NOISE_SUPPRESS_DB));
  });

  it('snapask config --table prints it', async () => {
    const r = await runCli(['config', '--table']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(configTable());
  });
});

describe('snapask config', () => {
  it('shows every key with its value and source, and no secret', async () => {
    const state = stateDir();
    writeSettings(state, { 'openai.detail': 'low' });
    const p = file({ camera: { fps: 10 } });
    const r = await runCli(['config', 'show', '--config', p], {
      SNAPASK_STATE_DIR: state,
      SNAPASK_AUDIO_DEVICE: 'hw:1',
      OPENAI_API_KEY: 'sk-should-never-show-1234',
      ZAPIER_MCP_TOKEN: 'tok-should-never-show',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^openai\.detail +"low" +\(overlay\)$/m);
    expect(r.stdout).toMatch(/^camera\.fps +10 +\(file\)$/m);
    expect(r.stdout).toMatch(/^audio\.device +"hw:1" +\(env\)$/m);
    expect(r.stdout).toMatch(/^camera\.width +1280 +\(default\)$/m);
    expect(r.stdout.trim().split('\n')).toHaveLength(configKeys().length);
    expect(r.stdout + r.stderr).not.toMatch(/should-never-show/);
  });

  it('exits 78 on a config mistake, as run does', async () => {
    const r = await runCli(['config', '--config', file({ camera: { kind: 'usb' } })]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/camera\.kind = "usb" is not allowed; expected auto, rpicam, v4l2, still, file or none \(got text\)/);
  });
});

describe('the schema', () => {
  it('gives every key its own SNAPASK_ variable, and a check that refuses a value of the wrong kind', () => {
    for (const key of configKeys()) {
      expect(envName(key)).toMatch(/^SNAPASK_[A-Z0-9_]+$/);
      // An object of text is no key's value (a text key's variable would take it as text: through the file).
      const nested = key.split('.').reduceRight<unknown>((v, part) => ({ [part]: v }), { no: 'such value' });
      expect(() => loadConfig(file(nested), {})).toThrow(new RegExp(`${key.replace(/\./g, '\\.')} = .* is not allowed; expected .* \\(got an object\\)`));
    }
  });

  it('keeps the defaults of before', () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      api: 'responses',
      openai: { baseURL: 'https://api.openai.com/v1', model: 'gpt-4.1-mini', detail: 'high', timeoutMs: 60_000, streamIdleMs: 30_000 },
      uploads: { concurrency: 3, budgetMs: 60_000, backoffMs: 500, waitAtReplyMs: 8_000, qscale: 4, deleteAfterHours: 24 },
      spool: { retryMs: 2_000, maxRetryMs: 60_000, refusedRetryMs: 600_000, maxAgeHours: 24 },
      recogniser: { engine: 'pocketsphinx' },
      audio: {},
      transcription: { model: 'gpt-4o-transcribe', timeoutMs: 8000 },
      tts: { model: 'gpt-4o-mini-tts', voice: 'alloy', format: 'pcm', timeoutMs: 5000 },
    });
    // Derived from the key when not set (speechEngine), as transcription.mode is.
    expect(DEFAULT_CONFIG.tts.engine).toBeUndefined();
    expect(DEFAULT_CONFIG).toMatchObject({
      camera: { kind: 'auto', device: '/dev/video0', quality: 85, stallSeconds: 5, choose: 'first', width: 1280, height: 720, fps: 15, bufferSeconds: 3, bufferMB: 32, pipelineDelayMs: 60 },
      speaker: { voice: 'en-us', rate: 165, cues: true, echoCancel: true, echoLatencyMs: 20 },
      zapier: { transport: 'hook', name: 'zapier', timeoutMs: 10_000, budgetMs: 20_000, confirm: 'never', confirmTimeoutMs: 15_000, mcp: { serverLabel: 'zapier', allowedTools: [], requireApproval: 'always' } },
      gpio: { buttonActiveLow: true, debounceMs: 30, longPressMs: 1500, snapshotFlashMs: 300 },
    });
    expect(DEFAULT_CONFIG.recogniser).toEqual({ engine: 'pocketsphinx' });
    expect(configMatchesSchema(DEFAULT_CONFIG)).toBe(true);
    expect(configMatchesSchema({ ...DEFAULT_CONFIG, camera: { ...DEFAULT_CONFIG.camera, fps: 0 } })).toBe(false);
    expect(existsSync(join(__dirname, '../../../deploy/config.example.json'))).toBe(true);
  });
});
