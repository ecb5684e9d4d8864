import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { calibratedHeads, calibrationPath } from './calibration-file';
import type { KeywordHeads } from '../detector/keyword-head';

/** What the owner is told once a calibration is saved through the running service. */
export const SERVICE_TAKES_IT = 'the service hears with it from now on (no restart needed).';

/** How often the calibration file is looked at: a stat call, nothing more. */
const POLL_MS = 2000;

/**
 * Follows the owner's calibration while the service runs: each time `snapask calibrate` (or the console's
 * Calibrate) saves one, `apply` gets the heads it makes, so the new fit is heard at once, with no restart.
 * A calibration deleted gives the shipped heads back. A file that cannot be used is said by `warn`, as at start.
 * Returns the stop.
 */
export function followCalibration(stateDir: string, apply: (heads: KeywordHeads) => void, o: { warn?: (m: string) => void; info?: (m: string) => void; pollMs?: number } = {}): () => void {
  const path = calibrationPath(stateDir);
  const changed = (now: Stats, before: Stats) => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
    const heads = calibratedHeads(stateDir, o.warn);
    if (!heads) return;
    try {
      apply(heads);
      o.info?.(now.nlink === 0 ? 'keyword calibration removed: the shipped thresholds apply' : `keyword calibration applied (${path})`);
    } catch (e) {
      o.warn?.(`keyword calibration not applied (${(e as Error).message})`);
    }
  };
  // Polled rather than fs.watch: the calibration directory may not exist yet, and calibrate replaces the file.
  watchFile(path, { persistent: false, interval: o.pollMs ?? POLL_MS }, changed);
  return () => unwatchFile(path, changed);
}
