import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecogniserError } from '../recogniser';
import { EMBEDDING_SIZE, STEP_SECONDS } from './speech-embedding';

/** Where the trained heads ship. */
export const KEYWORD_HEADS_DIR = join(__dirname, '..', '..', '..', '..', 'assets', 'keywords');
export const KEYWORD_HEADS_FILE = 'heads.json';

/**
 * The trained heads as stored: one network over the last `window` embeddings (each standardised by
 * `mean`/`scale`), one hidden layer shared by the words, and a softmax over "no command word" and each
 * word: a word's score is the probability that it has just been said. Sharing the layer makes the words
 * compete ("stop" is not "snapshot"), which separate heads did not learn. A linear read-out of the hidden
 * layer per word tells how long ago the word began.
 */
export interface KeywordHeadsFile {
  format: 'snapask-keyword-heads/2';
  words: string[];
  window: number;
  hidden: number;
  mean: number[];
  scale: number[];
  /** hidden x (window * 96) weights, float32 little-endian, base64. */
  w1: string;
  b1: number[];
  /** (words + 1) x hidden: row 0 is "no command word". */
  w2: number[][];
  b2: number[];
  /** Per word: seconds from the word's start to the end of the window, onset[0] + onset[1..] . hidden. */
  onset: Record<string, number[]>;
  /** Per word: the score at which it counts, chosen on the training speakers' tuning clips. */
  thresholds: Record<string, number>;
  /** What it was trained on, for the record. */
  trained: Record<string, unknown>;
}

export interface WordScore {
  score: number;
  /** Seconds from the word's start to the end of the window scored. */
  sinceStart: number;
}

/** The heads, run on a window of embeddings. */
export class KeywordHeads {
  readonly words: readonly string[];
  readonly window: number;
  /** Names the shared hidden layer (and its input scaling): a calibrated read-out fits only the layer it was fitted on. */
  readonly hiddenDigest: string;
  private readonly w1: Float32Array;
  private readonly x: Float32Array;
  private readonly h: Float32Array;
  private readonly logits: Float64Array;

  constructor(readonly f: KeywordHeadsFile) {
    if (f.format !== 'snapask-keyword-heads/2') throw new RecogniserError(`keyword heads: unknown format ${String(f.format)} (retrain with make train-keywords)`);
    this.words = f.words;
    this.window = f.window;
    const raw = Buffer.from(f.w1, 'base64');
    this.w1 = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    if (this.w1.length !== f.hidden * f.window * EMBEDDING_SIZE) throw new RecogniserError(`keyword heads are damaged (${this.w1.length} weights)`);
    this.hiddenDigest = createHash('sha256').update(JSON.stringify([f.window, f.hidden, f.mean, f.scale, f.b1])).update(f.w1).digest('hex').slice(0, 16);
    this.x = new Float32Array(f.window * EMBEDDING_SIZE);
    this.h = new Float32Array(f.hidden);
    this.logits = new Float64Array(f.words.length + 1);
  }

  /** The heads stored in `dir`, or undefined when none were trained. */
  static load(dir = KEYWORD_HEADS_DIR): KeywordHeads | undefined {
    const path = join(dir, KEYWORD_HEADS_FILE);
    if (!existsSync(path)) return undefined;
    return new KeywordHeads(JSON.parse(readFileSync(path, 'utf8')) as KeywordHeadsFile);
  }

  threshold(word: string): number {
    return this.f.thresholds[word] ?? 0.5;
  }

  /** The same network with another read-out and thresholds (a calibration to one voice; the hidden layer is shared). */
  withReadout(r: { w2: number[][]; b2: number[]; thresholds: Record<string, number> }): KeywordHeads {
    if (r.w2.length !== this.f.w2.length || r.w2.some((row) => row.length !== this.f.hidden) || r.b2.length !== this.f.b2.length) {
      throw new RecogniserError(`keyword read-out does not fit these heads (${r.w2.length} rows for ${this.f.w2.length})`);
    }
    return new KeywordHeads({ ...this.f, w2: r.w2, b2: r.b2, thresholds: { ...this.f.thresholds, ...r.thresholds } });
  }

  /** The shared hidden layer of the last window scored (a copy): what calibration refits the read-out on. */
  lastHidden(): Float32Array {
    return Float32Array.from(this.h);
  }

  private forwardHidden(history: readonly Float32Array[]): void {
    const { f, x, h } = this;
    const first = history.length - f.window;
    for (let t = 0; t < f.window; t++) {
      const e = history[first + t];
      for (let d = 0; d < EMBEDDING_SIZE; d++) x[t * EMBEDDING_SIZE + d] = e ? (e[d]! - f.mean[d]!) / f.scale[d]! : 0;
    }
    for (let j = 0; j < f.hidden; j++) {
      let s = f.b1[j]!;
      const row = j * x.length;
      for (let i = 0; i < x.length; i++) s += this.w1[row + i]! * x[i]!;
      h[j] = s > 0 ? s : 0;
    }
  }

  /** Scores the last `window` embeddings (oldest first; missing ones read as average): each word's score. */
  score(history: readonly Float32Array[]): Record<string, WordScore> {
    const { f, h, logits } = this;
    this.forwardHidden(history);
    let max = -Infinity;
    for (let k = 0; k < logits.length; k++) {
      let s = f.b2[k]!;
      const w = f.w2[k]!;
      for (let j = 0; j < f.hidden; j++) s += w[j]! * h[j]!;
      logits[k] = s;
      max = Math.max(max, s);
    }
    let sum = 0;
    for (let k = 0; k < logits.length; k++) sum += Math.exp(logits[k]! - max);
    const out: Record<string, WordScore> = {};
    f.words.forEach((word, i) => {
      const o = f.onset[word]!;
      let onset = o[0]!;
      for (let j = 0; j < f.hidden; j++) onset += o[j + 1]! * h[j]!;
      out[word] = { score: Math.exp(logits[i + 1]! - max) / sum, sinceStart: Math.max(STEP_SECONDS, onset) };
    });
    return out;
  }
}
