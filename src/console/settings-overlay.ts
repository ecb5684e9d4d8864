import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envName, type Config } from '../config/config';
import { writePrivate } from './console-auth';

/** The settings the console's setup page may change, each a config key. */
export const PAGE_SETTINGS = {
  'openai.model': { label: 'model', allowed: /^[A-Za-z0-9._:-]{1,64}$/, choices: undefined },
  'tts.voice': { label: 'voice', allowed: /^[A-Za-z0-9_-]{1,32}$/, choices: undefined },
  'openai.detail': { label: 'picture detail', allowed: /^(low|high|auto|original)$/, choices: ['low', 'high', 'auto', 'original'] },
} as const;
export type PageSetting = keyof typeof PAGE_SETTINGS;

const FILE = 'settings.json';

export type SettingSource = 'default' | 'file' | 'page' | 'environment';

/**
 * The run-time settings overlay: `stateDir/settings.json`, written by the console's setup page, read at start
 * over the config file; an environment variable still wins. (A stand-in until the config schema's overlay lands.)
 */
export class SettingsOverlay {
  private values: Partial<Record<PageSetting, string>> = {};

  constructor(
    private readonly stateDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    try {
      const parsed = JSON.parse(readFileSync(join(stateDir, FILE), 'utf8')) as Record<string, unknown>;
      for (const key of Object.keys(PAGE_SETTINGS) as PageSetting[]) {
        const v = parsed[key];
        if (typeof v === 'string' && PAGE_SETTINGS[key].allowed.test(v)) this.values[key] = v;
      }
    } catch {
      this.values = {};
    }
  }

  /** The overlay's values over the config (a key the environment sets keeps the environment's). */
  apply(config: Config): void {
    for (const [key, v] of Object.entries(this.values) as Array<[PageSetting, string]>) {
      if (this.env[envName(key)] !== undefined) continue;
      setKey(config, key, v);
    }
  }

  value(key: PageSetting): string | undefined {
    return this.values[key];
  }

  source(key: PageSetting, fileConfig: Config, defaults: Config): SettingSource {
    if (this.env[envName(key)] !== undefined) return 'environment';
    if (this.values[key] !== undefined) return 'page';
    return getKey(fileConfig, key) === getKey(defaults, key) ? 'default' : 'file';
  }

  set(key: PageSetting, value: string): void {
    if (!PAGE_SETTINGS[key].allowed.test(value)) throw new Error(`${PAGE_SETTINGS[key].label}: "${value}" is not allowed`);
    this.values[key] = value;
    writePrivate(this.stateDir, FILE, `${JSON.stringify(this.values, null, 2)}\n`);
  }
}

export function getKey(config: Config, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);
}

function setKey(config: Config, key: string, value: string): void {
  const parts = key.split('.');
  const obj = parts.slice(0, -1).reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, config as unknown as Record<string, unknown>);
  obj[parts[parts.length - 1]!] = value;
}
