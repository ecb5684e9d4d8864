import { chownSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes a file so that a power cut leaves the old version or the new, never
 * half: a temporary file, fsynced, renamed over the old one, and the directory
 * fsynced so that the rename itself survives.
 */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    // A half-written temporary file (a full disk) would hold on to the very space that ran out.
    await rm(tmp, { force: true });
    throw e;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * The same, synchronously, for small files only the service's user may read (mode 600): settings, secrets,
 * the console's codes, a calibration. `beforeRename` may set the temporary file's owner (a CLI run as root
 * writing for the service's user).
 */
export function writePrivateFileAtomicSync(path: string, data: string, beforeRename?: (tmp: string) => void): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    beforeRename?.(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * `name` in `dir` (made mode 700), written as the directory's owner: a CLI run as root (snapask console,
 * snapask calibrate) must not leave root-owned files the service's user cannot read.
 */
export function writePrivate(dir: string, name: string, text: string): void {
  const made = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (made && process.getuid?.() === 0) {
    const owner = statSync(dirname(dir));
    chownSync(dir, owner.uid, owner.gid);
  }
  writePrivateFileAtomicSync(join(dir, name), text, (tmp) => {
    if (process.getuid?.() !== 0) return;
    const owner = statSync(dir);
    chownSync(tmp, owner.uid, owner.gid);
  });
}
