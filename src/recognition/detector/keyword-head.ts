import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecogniserError } from '../recogniser';
import { EMBEDDING_SIZE, STEP_SECONDS } from './speech-embedding';

/** Where the trained heads ship: one file per word. */
export const KEYWORD_HEADS_DIR = join(__dirname, '..', '..', '..', '..', 'assets', 'keywords');

/**
 * A trained head as stored: a one-hidden-layer network over the last `window` embeddings (each standardised
 * by `mean`/`scale`), its score the probability that the word has just been said; and a linear read-out of
 * the hidden layer that tells how long ago the word began.
 */
export interface KeywordHeadFile {
  format: 'snapask-keyword-head/1';
  word: string;
  window: number;
  hidden: number;
  mean: number[];
  scale: number[];
  /** hidden x (window * 96) weights, float32 little-endian, base64. */
  w1: string;
  b1: number[];
  w2: number[];
  b2: number;
  /** Seconds from the word's start to the end of the window: onset[0] + onset[1..] . hidden. */
  onset: number[];
  /** The score at which the word counts, chosen on the training speakers' tuning clips. */
  threshold: number;
  /** What it was trained on, for the record. */
  trained: Record<string, unknown>;
}

export interface HeadScore {
  score: number;
  /** Seconds from the word's start to the end of the window scored. */
  sinceStart: number;
}

/** One word's head, run on a window of embeddings. */
export class KeywordHead {
  readonly word: string;
  readonly window: number;
  readonly threshold: number;
  private readonly w1: Float32Array;
  private readonly x: Float32Array;
  private readonly h: Float32Array;

  constructor(private readonly f: KeywordHeadFile) {
    if (f.format !== 'snapask-keyword-head/1') throw new RecogniserError(`keyword head for "${f.word}": unknown format ${String(f.format)}`);
    this.word = f.word;
    this.window = f.window;
    this.threshold = f.threshold;
    const raw = Buffer.from(f.w1, 'base64');
    this.w1 = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    if (this.w1.length !== f.hidden * f.window * EMBEDDING_SIZE) throw new RecogniserError(`keyword head for "${f.word}" is damaged (${this.w1.length} weights)`);
    this.x = new Float32Array(f.window * EMBEDDING_SIZE);
    this.h = new Float32Array(f.hidden);
  }

  /** The head stored for `word` in `dir`, or undefined when none was trained. */
  static find(word: string, dir = KEYWORD_HEADS_DIR): KeywordHead | undefined {
    const path = join(dir, `${word}.json`);
    if (!existsSync(path)) return undefined;
    return new KeywordHead(JSON.parse(readFileSync(path, 'utf8')) as KeywordHeadFile);
  }

  /** Scores the last `window` embeddings, oldest first. */
  score(history: readonly Float32Array[]): HeadScore {
    const { f, x, h } = this;
    const first = history.length - f.window;
    for (let t = 0; t < f.window; t++) {
      const e = history[first + t];
      for (let d = 0; d < EMBEDDING_SIZE; d++) x[t * EMBEDDING_SIZE + d] = e ? (e[d]! - f.mean[d]!) / f.scale[d]! : 0;
    }
    let out = f.b2;
    let onset = f.onset[0]!;
    for (let j = 0; j < f.hidden; j++) {
      let s = f.b1[j]!;
      const row = j * x.length;
      for (let i = 0; i < x.length; i++) s += this.w1[row + i]! * x[i]!;
      h[j] = s > 0 ? s : 0;
      out += f.w2[j]! * h[j]!;
      onset += f.onset[j + 1]! * h[j]!;
    }
    return { score: 1 / (1 + Math.exp(-out)), sinceStart: Math.max(STEP_SECONDS, onset) };
  }
}
