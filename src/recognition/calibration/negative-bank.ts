import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecogniserError } from '../recogniser';
import { KEYWORD_HEADS_DIR, type KeywordHeads } from '../detector/keyword-head';
import type { Example } from './readout-fit';

export const CALIBRATION_BANK_FILE = 'calibration-bank.json';

/**
 * The shipped negatives (and a few positives of the training voices), as the heads' hidden layer sees them:
 * what calibration weighs the owner's samples against, so the read-out it fits keeps rejecting near misses,
 * ordinary speech and noise, and keeps hearing the voices it was trained on. Written by make train-keywords
 * from its training set; values quantised to a byte per dimension.
 */
export interface CalibrationBankFile {
  format: 'snapask-calibration-bank/1';
  /** The heads' hiddenDigest: the bank is only valid for the hidden layer it was computed with. */
  hiddenDigest: string;
  words: string[];
  hidden: number;
  count: number;
  /** Per dimension: the value of byte 255. */
  scale: number[];
  /** count x hidden bytes, base64. */
  values: string;
  /** Per entry: 0 for no command word, k for words[k - 1]; base64 bytes. */
  labels: string;
  /** Per entry: the clip it came from (false alarms are counted per clip); base64 uint16 little-endian. */
  clips: string;
}

export interface BankEntry extends Example {
  clip: number;
}

export function encodeBank(entries: BankEntry[], words: string[], hiddenDigest: string): CalibrationBankFile {
  const H = entries[0]!.h.length;
  const scale = Array.from({ length: H }, (_, j) => Math.max(1e-6, ...entries.map((e) => e.h[j]!)));
  const values = Buffer.alloc(entries.length * H);
  entries.forEach((e, i) => {
    for (let j = 0; j < H; j++) values[i * H + j] = Math.round((255 * Math.max(0, e.h[j]!)) / scale[j]!);
  });
  const clips = Buffer.alloc(entries.length * 2);
  entries.forEach((e, i) => clips.writeUInt16LE(e.clip % 65536, i * 2));
  return {
    format: 'snapask-calibration-bank/1',
    hiddenDigest,
    words,
    hidden: H,
    count: entries.length,
    scale,
    values: values.toString('base64'),
    labels: Buffer.from(entries.map((e) => e.label)).toString('base64'),
    clips: clips.toString('base64'),
  };
}

/** The bank that ships beside `heads`, its labels in the heads' order of words. */
export function loadBank(heads: KeywordHeads, dir = KEYWORD_HEADS_DIR): BankEntry[] {
  const path = join(dir, CALIBRATION_BANK_FILE);
  if (!existsSync(path)) throw new RecogniserError(`calibration needs ${path}, which make train-keywords writes beside the heads (reinstall snapask)`);
  const f = JSON.parse(readFileSync(path, 'utf8')) as CalibrationBankFile;
  if (f.format !== 'snapask-calibration-bank/1' || f.hiddenDigest !== heads.hiddenDigest) {
    throw new RecogniserError(`${path} was made for other keyword heads (retrain with make train-keywords)`);
  }
  const values = Buffer.from(f.values, 'base64');
  const labels = Buffer.from(f.labels, 'base64');
  const clips = Buffer.from(f.clips, 'base64');
  const H = f.hidden;
  return Array.from({ length: f.count }, (_, i) => {
    const h = new Float32Array(H);
    for (let j = 0; j < H; j++) h[j] = (values[i * H + j]! * f.scale[j]!) / 255;
    const l = labels[i]!;
    return { h, label: l === 0 ? 0 : heads.words.indexOf(f.words[l - 1]!) + 1, clip: clips.readUInt16LE(i * 2) };
  });
}
