import { closeSync, constants, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SECRET_VARIABLES } from './secrets-file';
import { writePrivateFileAtomicSync } from '../spool/atomic-file';

/**
 * Sets one variable of the service's secrets file (mode 600, its directory 700), keeping every other line;
 * the service's watch on the file applies it at once. The value is never echoed anywhere.
 */
export function writeSecret(path: string, name: (typeof SECRET_VARIABLES)[number], value: string): void {
  if (/[\r\n]/.test(value)) throw new Error('a secret is one line');
  let text = '';
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const line = `${name}=${JSON.stringify(value)}`;
  const pattern = new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=.*$`, 'm');
  const next = pattern.test(text) ? text.replace(pattern, line) : `${text}${text && !text.endsWith('\n') ? '\n' : ''}${line}\n`;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writePrivateFileAtomicSync(path, next);
}
