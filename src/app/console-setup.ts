import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config, ConfigSource } from '../config/config';
import { parseSecretsText, type SecretsFile } from '../config/secrets-file';
import { writeSecret } from '../config/secrets-writer';
import { readSettingsOverlay, settingsOverlayPath, SettingsError, writeSettings } from '../config/settings-overlay';
import type { ConsoleSetup } from '../console/console-server';
import { applyLiveSetting, LIVE_SETTINGS, type LiveSetting } from '../config/live-settings';
import { SetupJobs, type SetupJobParts } from './setup-jobs';

/** The settings the setup page changes (in the settings overlay; checked by the config schema when written; each one live). */
const PAGE_SETTINGS: Record<LiveSetting, { label: string; choices?: readonly string[] }> = {
  'openai.model': { label: 'model' },
  'tts.voice': { label: 'voice' },
  'openai.detail': { label: 'picture detail', choices: ['low', 'high', 'auto', 'original'] },
};
type PageSetting = keyof typeof PAGE_SETTINGS;

const SOURCE_WORDS: Record<ConfigSource, string> = { default: 'default', file: 'config file', overlay: 'this page', env: 'environment' };

const PAGE_SECRETS = {
  OPENAI_API_KEY: { label: 'OpenAI API key', valid: (v: string) => /^\S{8,300}$/.test(v), expected: 'a key without spaces (sk-...)' },
  ZAPIER_HOOK_URL: { label: 'Zapier hook URL', valid: (v: string) => /^https:\/\/\S{4,490}$/.test(v), expected: 'an https:// address' },
} as const;

/**
 * The console's setup page over the config, its sources, the secrets file and the settings overlay; its checks
 * and calibration through the service's control.
 */
export function consoleSetup(p: { config: Config; sources: Record<string, ConfigSource>; secrets: SecretsFile; log: Logger; control: SetupJobParts['control'] }): ConsoleSetup {
  const { secrets, sources, config } = p;
  const jobs = new SetupJobs({ config, secrets, control: p.control, log: p.log });
  const overlay = () => {
    const read = readSettingsOverlay(settingsOverlayPath(config.stateDir));
    return new Map('entries' in read ? read.entries : []);
  };
  return {
    view: () => {
      // The file as it is now (the service's watch applies it a moment later), and the environment's names.
      const from = { env: secrets.describe().env as readonly string[], file: namesInFile(secrets.path) };
      const unavailable = jobs.calibrationUnavailable();
      const calibratedOn = unavailable ? undefined : jobs.calibratedOn();
      return {
        doctor: jobs.state('doctor'),
        calibration: { ...jobs.state('calibration'), ...(unavailable ? { unavailable } : {}), ...(calibratedOn ? { calibratedOn } : {}) },
        secrets: Object.entries(PAGE_SECRETS).map(([name, s]) => ({
          name,
          label: s.label,
          set: from.env.includes(name) || from.file.includes(name),
          source: from.env.includes(name) ? 'environment' : 'secrets file',
        })),
        settings: (Object.keys(PAGE_SETTINGS) as PageSetting[]).map((key) => {
          // In use: the overlay's value (saved here, applied at once), unless the environment's wins.
          const env = sources[key] === 'env';
          const saved = env ? undefined : overlay().get(key);
          const spec = PAGE_SETTINGS[key];
          return {
            key,
            label: spec.label,
            value: String(saved ?? getKey(config, key)),
            source: SOURCE_WORDS[saved !== undefined ? 'overlay' : (sources[key] ?? 'default')],
            ...(spec.choices ? { choices: spec.choices } : {}),
          };
        }),
      };
    },
    setSecret: (name, raw) => {
      const spec = PAGE_SECRETS[name as keyof typeof PAGE_SECRETS];
      if (!spec) return 'Nothing set: unknown setting.';
      const value = raw.trim();
      if (!spec.valid(value)) return `Nothing set: the ${spec.label} must be ${spec.expected}.`;
      try {
        writeSecret(secrets.path, name as keyof typeof PAGE_SECRETS, value);
      } catch (e) {
        p.log.error({ err: (e as NodeJS.ErrnoException).code ?? 'error' }, `console: cannot write the secrets file ${secrets.path}`);
        return `Nothing set: the secrets file could not be written (${(e as NodeJS.ErrnoException).code ?? 'error'}).`;
      }
      p.log.info({ secret: name }, 'console: a secret was set from the setup page');
      return (secrets.describe().env as readonly string[]).includes(name)
        ? `${spec.label} saved, but ${name} in the service's environment wins over the file.`
        : `${spec.label} set: used from the next request.`;
    },
    startJob: (job) => jobs.start(job),
    onJobLine: (listener) => jobs.onLine(listener),
    setSetting: (key, value) => {
      if (!Object.hasOwn(PAGE_SETTINGS, key)) return 'Nothing saved: unknown setting.';
      const k = key as PageSetting;
      try {
        writeSettings(config.stateDir, { [k]: value.trim() });
      } catch (e) {
        if (e instanceof SettingsError) return `Nothing saved: ${e.message}.`;
        p.log.error({ err: (e as NodeJS.ErrnoException).code ?? (e as Error).message }, 'console: cannot write the settings overlay');
        return `Nothing saved: the settings file could not be written (${(e as NodeJS.ErrnoException).code ?? 'error'}).`;
      }
      if (sources[k] === 'env') return `${PAGE_SETTINGS[k].label} saved, but the service's environment sets it and wins.`;
      applyLiveSetting(config, k, value.trim());
      p.log.info({ setting: k }, 'console: a setting was changed from the setup page');
      if (k === 'tts.voice' && config.tts.engine !== 'openai') {
        return `${PAGE_SETTINGS[k].label} saved: it is OpenAI's voice, used once tts.engine is "openai" in the config file (a restart applies that); espeak-ng speaks now.`;
      }
      return `${PAGE_SETTINGS[k].label} saved: used from ${LIVE_SETTINGS[k]}.`;
    },
  };
}

function getKey(config: Config, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);
}

function namesInFile(path: string): string[] {
  try {
    const vars = parseSecretsText(readFileSync(path, 'utf8'));
    return Object.keys(vars).filter((k) => vars[k]);
  } catch {
    return [];
  }
}
