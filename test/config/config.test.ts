import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, loadConfig } from '../../src/config/config';

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

describe('engine defaults', () => {
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
