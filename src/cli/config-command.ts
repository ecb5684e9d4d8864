import { configKeys, type LoadedConfig } from '../config/config';
import { getPath } from '../config/config-keys';

/**
 * `snapask config`: every key's value in effect and where it came from, one line each. Secrets are not part of
 * the config (secrets-file.ts), so nothing here can show one.
 */
export function effectiveConfigLines({ config, sources }: Pick<LoadedConfig, 'config' | 'sources'>): string[] {
  const keys = configKeys();
  const width = Math.max(...keys.map((k) => k.length));
  return keys.map((key) => {
    const value = getPath(config, key);
    const shown = value === undefined ? '(unset)' : JSON.stringify(value);
    const short = shown.length > 100 ? `${shown.slice(0, 97)}...` : shown;
    return `${key.padEnd(width)}  ${short}  (${sources[key]})`;
  });
}
