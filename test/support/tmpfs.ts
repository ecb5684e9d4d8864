import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small size-limited tmpfs, as a full SD card: `mount -t tmpfs -o size=...` (root only). */
export interface SmallDisk {
  dir: string;
  /** Fills what is left but `leaveBytes` with a file of its own (`fill()` again to refill); `unfill()` frees it. */
  fill(leaveBytes?: number): void;
  unfill(): void;
  unmount(): void;
}

/** Mounts one, or says why it cannot be mounted here (not root, no mount). */
export function mountSmallDisk(bytes: number): SmallDisk | { why: string } {
  if (process.getuid?.() !== 0) return { why: 'mounting a size-limited tmpfs needs root, and this test runs as an ordinary user' };
  const dir = mkdtempSync(join(tmpdir(), 'snapask-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { why: `mount -t tmpfs failed here (${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()})` };
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill(leaveBytes = 0) {
      rmSync(filler, { force: true });
      const s = statfsSync(dir);
      const room = s.bavail * s.bsize - leaveBytes;
      const page = Buffer.alloc(4096, 1);
      // Page by page until the disk says no (or only `leaveBytes` are left).
      try {
        for (let written = 0; leaveBytes === 0 || written + page.length <= room; written += page.length) writeFileSync(filler, page, { flag: 'a' });
      } catch {
        // Full.
      }
    },
    unfill() {
      rmSync(filler, { force: true });
    },
    unmount() {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
