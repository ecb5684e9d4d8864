import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivate } from '../../spool/atomic-file';
import { KeywordHeads, KEYWORD_HEADS_DIR } from '../detector/keyword-head';
import type { CalibrationResult } from './calibration-fit';
import type { Readout } from './readout-fit';

/** Calibration's files in the state directory: the fitted read-out, and the owner's samples when kept. */
export const calibrationDir = (stateDir: string): string => join(stateDir, 'calibration');
export const calibrationPath = (stateDir: string): string => join(calibrationDir(stateDir), 'keywords.json');
export const samplesDir = (stateDir: string): string => join(calibrationDir(stateDir), 'samples');

/** The learned detector's calibration to the owner's voice, as saved. */
export interface CalibrationFile {
  format: 'snapask-keyword-calibration/1';
  /** The heads' hiddenDigest: a new version's heads do not take an old calibration. */
  hiddenDigest: string;
  created: string;
  readout: Readout;
  thresholds: Record<string, number>;
  /** What calibration measured, for the record and for --check. */
  report: Omit<CalibrationResult, 'readout' | 'thresholds'>;
}

export function saveCalibration(stateDir: string, heads: KeywordHeads, result: CalibrationResult, now = new Date()): string {
  const { readout, thresholds, ...report } = result;
  const file: CalibrationFile = { format: 'snapask-keyword-calibration/1', hiddenDigest: heads.hiddenDigest, created: now.toISOString(), readout, thresholds, report };
  // As the state directory's owner: run by root, calibrate must leave a file the service can read.
  writePrivate(calibrationDir(stateDir), 'keywords.json', `${JSON.stringify(file)}\n`);
  return calibrationPath(stateDir);
}

export function readCalibration(stateDir: string): CalibrationFile | undefined {
  const path = calibrationPath(stateDir);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as CalibrationFile) : undefined;
}

/**
 * The heads the learned engine runs: the shipped ones, with the owner's calibrated read-out and thresholds when
 * `stateDir` holds a calibration made for them. One that cannot be used is said in one line (`warn`) and the
 * shipped heads run.
 */
export function calibratedHeads(stateDir: string | undefined, warn: (message: string) => void = () => undefined, headsDir = KEYWORD_HEADS_DIR): KeywordHeads | undefined {
  const heads = KeywordHeads.load(headsDir);
  if (!heads || stateDir === undefined) return heads;
  let file: CalibrationFile | undefined;
  try {
    file = readCalibration(stateDir);
  } catch (e) {
    warn(`keyword calibration ignored, ${calibrationPath(stateDir)} is damaged (${(e as Error).message}): run snapask calibrate again`);
    return heads;
  }
  if (!file) return heads;
  if (file.format !== 'snapask-keyword-calibration/1' || file.hiddenDigest !== heads.hiddenDigest) {
    warn(`keyword calibration ignored, it was made for other keyword heads (an earlier version): run snapask calibrate again`);
    return heads;
  }
  try {
    return heads.withReadout({ ...file.readout, thresholds: file.thresholds });
  } catch (e) {
    warn(`keyword calibration ignored (${(e as Error).message}): run snapask calibrate again`);
    return heads;
  }
}
