import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFileAtomicSync } from '../spool/atomic-file';
import { flattenLayer, keyInfo, nearestKey, setPath, valueProblem } from './config-keys';

/*
 * Settings changed while the service runs (by the console: model, voice, detail, ...), kept in the state directory
 * in the config file's own format, over the config file and under the environment (loadConfig).
 */

export function settingsOverlayPath(stateDir: string): string {
  return join(stateDir, 'settings.json');
}

/** The overlay's settings as dotted keys (none when there is no file), or what is wrong with it, one line each. */
export function readSettingsOverlay(path: string): { entries: [string, unknown][] } | { problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { entries: [] };
    const who = code === 'EACCES' ? ': run as root or as the service\'s user' : '';
    return { problems: [`${path}: cannot read it (${code ?? String(e)}${who})`] };
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (e) {
    return { problems: [`${path} is not valid JSON: ${(e as Error).message}`] };
  }
  const { entries, problems } = flattenLayer(values, path);
  return problems.length ? { problems } : { entries };
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/**
 * Sets (or, with undefined, removes) keys in the overlay, checked against the config schema first: an unknown key
 * or a bad value changes nothing and throws a SettingsError naming it. The file is replaced atomically (written
 * beside it, flushed, renamed), so the service never reads half of it. An overlay that was already invalid is
 * kept as settings.json.invalid rather than lost, and the changes start a new one.
 */
export function writeSettings(stateDir: string, changes: Record<string, unknown>): { path: string; keptInvalid?: string } {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(changes)) {
    if (!keyInfo(key)) problems.push(`unknown key "${key}"; did you mean "${nearestKey(key)}"?`);
    else if (key === 'stateDir') problems.push('stateDir cannot be set in the settings overlay (it lives in the state directory)');
    else if (value !== undefined) {
      const problem = valueProblem(key, value);
      if (problem) problems.push(problem);
    }
  }
  if (problems.length) throw new SettingsError(problems.join('; '));

  const path = settingsOverlayPath(stateDir);
  const current = readSettingsOverlay(path);
  let keptInvalid: string | undefined;
  const values = new Map<string, unknown>();
  if ('problems' in current) {
    keptInvalid = `${path}.invalid`;
    renameSync(path, keptInvalid);
  } else {
    for (const [k, v] of current.entries) values.set(k, v);
  }
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) values.delete(key);
    else values.set(key, value);
  }
  const nested: Record<string, unknown> = {};
  for (const [k, v] of values) setPath(nested, k, v);
  writePrivateFileAtomicSync(path, `${JSON.stringify(nested, null, 2)}\n`);
  return keptInvalid ? { path, keptInvalid } : { path };
}

