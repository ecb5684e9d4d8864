import { readFileSync } from 'node:fs';
import type { CommandWordSet } from '../recognition/command-words';
import { type Config, ConfigSchema, type GpioConfig } from './config-schema';
import { allows, closest, configKeys, envName, flattenLayer, keyInfo, schemaDefaults, setPath, valueProblem } from './config-keys';
import { secretsFromVars } from './secrets-file';
import { readSettingsOverlay, settingsOverlayPath } from './settings-overlay';
import { defaultStateDir } from './state-dir';

export { ConfigSchema, configKeys, envName };
export type { Config, GpioConfig };

export interface Secrets {
  openaiApiKey?: string;
  zapierHookUrl?: string;
  /** Sent as the Authorization header to Zapier's MCP server. */
  zapierMcpAuthorization?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The defaults, from the schema; stateDir from this process's environment (loadConfig derives it from the one it is given). */
export const DEFAULT_CONFIG: Config = { ...schemaDefaults(), stateDir: defaultStateDir(process.env) };

/** Where a key's value came from; later ones win: the schema's default, the config file, the settings overlay, the environment. */
export type ConfigSource = 'default' | 'file' | 'overlay' | 'env';

export interface LoadedConfig {
  config: Config;
  secrets: Secrets;
  /** For every key (configKeys()), where its value came from. */
  sources: Record<string, ConfigSource>;
  /** One line each for what was ignored (an invalid settings overlay), for the log. */
  warnings: string[];
}

export interface LoadOptions {
  /** Apply the settings overlay in the state directory (settings-overlay.ts): the service and `snapask config` do, a replay does not. */
  overlay?: boolean;
}

/**
 * SNAPASK_ variables that are not config keys: the config file's path, the libvosk override, the installer's local
 * copies and the tests' settings. Any other SNAPASK_ variable is a mistake and is named as one.
 */
export const OTHER_SNAPASK_VARIABLES: readonly string[] = [
  'SNAPASK_CONFIG',
  'SNAPASK_LIBVOSK',
  'SNAPASK_NODE_TARBALL',
  'SNAPASK_VOSK_ZIP',
  'SNAPASK_MODEL_ZIP',
  'SNAPASK_SPEECH_CACHE',
  'SNAPASK_OPENAPI',
];

interface Setting {
  key: string;
  value: unknown;
  /** Who set it, for the error line: the file's path, "environment SNAPASK_X", the overlay's path. */
  where: string;
}

/**
 * Reads and validates the config file (absent is fine: defaults), then the SNAPASK_ variables over it; with
 * `overlay`, the settings overlay in between. Every mistake in the file or the environment is one line of the
 * ConfigError thrown; an invalid overlay is a warning and is left out.
 */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): LoadedConfig {
  const where = path ?? 'config';
  // Every mistake in the file and the environment at once, one line each.
  const problems: string[] = [];
  const file = path ? fileSettings(path, problems) : [];
  const fromEnv = envSettings(env, problems);
  const warnings: string[] = [];
  let built = build(where, env, [['file', file], ['env', fromEnv]], problems);
  if (options.overlay) {
    const overlayPath = settingsOverlayPath(built.config.stateDir);
    const overlay = readSettingsOverlay(overlayPath);
    try {
      if ('problems' in overlay) throw new ConfigError(overlay.problems.join('; '));
      if (overlay.entries.length > 0) {
        built = build(overlayPath, env, [['file', file], ['overlay', overlay.entries.map(([key, value]) => ({ key, value, where: overlayPath }))], ['env', fromEnv]], []);
      }
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      warnings.push(`settings overlay ignored (the config file and environment apply): ${e.message.split('\n').join('; ')}; fix or delete ${overlayPath}`);
    }
  }
  // The environment's secrets; the service adds its own secrets file under them (SecretsFile).
  return { ...built, secrets: secretsFromVars(env), warnings };
}

function fileSettings(path: string, problems: string[]): Setting[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const { entries, problems: unknown } = flattenLayer(values, path);
  problems.push(...unknown);
  return entries.map(([key, value]) => ({ key, value, where: path }));
}

/**
 * SNAPASK_* variables (systemd's Environment= or the env file), then each key's alias (OPENAI_BASE_URL). A value
 * is taken as text if the key allows text, else as JSON (numbers, true/false, null).
 */
function envSettings(env: NodeJS.ProcessEnv, problems: string[]): Setting[] {
  const keys = configKeys();
  const byName = new Map(keys.map((k) => [envName(k), k]));
  const names = [...byName.keys(), ...OTHER_SNAPASK_VARIABLES];
  const out: Setting[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('SNAPASK_') || raw === undefined || OTHER_SNAPASK_VARIABLES.includes(name)) continue;
    const key = byName.get(name);
    if (!key) {
      const near = closest(name, names);
      const nearKey = byName.get(near);
      problems.push(`environment ${name}: no such setting; did you mean ${near}${nearKey ? ` (${nearKey})` : ''}?`);
      continue;
    }
    out.push({ key, value: envValue(key, raw), where: `environment ${name}` });
  }
  for (const key of keys) {
    const alias = keyInfo(key)!.schema.envAlias as string | undefined;
    const raw = alias ? env[alias] : undefined;
    if (alias && raw) out.push({ key, value: envValue(key, raw), where: alias });
  }
  return out;
}

function envValue(key: string, raw: string): unknown {
  if (allows(key, raw)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    // Not JSON either: the check names the value as given.
    return raw;
  }
}

/** The defaults, then each layer's settings in turn; every bad value one line, then the rules across keys. */
function build(where: string, env: NodeJS.ProcessEnv, layers: [ConfigSource, Setting[]][], problems: string[]): Omit<LoadedConfig, 'secrets' | 'warnings'> {
  const config = { ...structuredClone(schemaDefaults()), stateDir: defaultStateDir(env) } as Config;
  const sources: Record<string, ConfigSource> = Object.fromEntries(configKeys().map((k) => [k, 'default' as ConfigSource]));
  for (const [source, settings] of layers) {
    for (const { key, value, where: by } of settings) {
      // The overlay lives in the state directory: it cannot move it.
      const problem = source === 'overlay' && key === 'stateDir' ? 'stateDir cannot be set here (the overlay lives in it)' : valueProblem(key, value);
      if (problem) {
        problems.push(`${by}: ${problem}`);
        continue;
      }
      setPath(config as unknown as Record<string, unknown>, key, structuredClone(value));
      sources[key] = source;
    }
  }
  if (problems.length) throw new ConfigError(problems.join('\n'));
  // The old switch, kept readable: true is cloud, false offline (transcription.mode wins).
  if (config.transcription.enabled !== undefined) config.transcription.mode ??= config.transcription.enabled ? 'cloud' : 'offline';
  if (config.camera.kind === 'file' && !config.camera.file) throw new ConfigError(`${where}: camera.kind "file" needs camera.file (an MJPEG or JPEG file)`);
  if (config.zapier.transport === 'mcp') {
    if (config.api !== 'responses') throw new ConfigError(`${where}: zapier.transport = "mcp" needs api = "responses" (the Assistants API has no MCP tool)`);
    if (!config.zapier.mcp.serverUrl) throw new ConfigError(`${where}: zapier.transport = "mcp" needs zapier.mcp.serverUrl`);
  }
  return { config, sources };
}

/** The command words the recogniser spots: "confirm" only when actions wait for it. */
export function spokenCommands(config: Config): CommandWordSet {
  const { confirm, ...always } = config.commands;
  return config.zapier.confirm === 'always' ? { ...always, confirm } : always;
}
