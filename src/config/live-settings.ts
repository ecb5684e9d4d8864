import type { Config } from './config';

/** The settings the service reads at each use (wired in app/thread-manager-factory and speech/create-synth), and from when a change applies. */
export const LIVE_SETTINGS = {
  'openai.model': 'the next question',
  'openai.detail': 'the next picture and question',
  'tts.voice': 'the next sentence',
} as const satisfies Record<string, string>;
export type LiveSetting = keyof typeof LIVE_SETTINGS;

/**
 * A live setting changed while the service runs (saved in the settings overlay first): set in the service's
 * config object, which the readers above look into at each use.
 */
export function applyLiveSetting(config: Config, key: LiveSetting, value: string): void {
  const [section, name] = key.split('.') as [string, string];
  (config as unknown as Record<string, Record<string, unknown>>)[section]![name] = value;
}
