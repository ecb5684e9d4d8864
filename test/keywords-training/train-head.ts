/**
 * Trains one word's head on the dataset's embeddings: a one-hidden-layer network (ReLU, sigmoid out) by
 * Adam on balanced mini-batches, then a ridge read-out of the hidden layer for the word's start, then the
 * threshold on the tuning clips. Plain typed-array code: deterministic, no training framework needed.
 */
import { EMBEDDING_SIZE, STEP_SECONDS } from '../../src/recognition/detector/speech-embedding';
import type { KeywordHeadsFile } from '../../src/recognition/detector/keyword-head';
import { rng } from '../bench/keywords-corpus';
import { labelOf, type Clip } from './dataset';

export interface TrainOptions {
  window: number;
  hidden: number;
  steps: number;
  batch: number;
  learningRate: number;
  weightDecay: number;
  /** Share of each batch that is positive. */
  positiveShare: number;
  /** After this share of the steps, the negatives the head scores highest are mined and drawn more often. */
  mineAfter: number;
  /** Each drawn window is read at a random tempo between 1/timeWarp and timeWarp (1: off): other speaking rates. */
  timeWarp: number;
  seed: number;
}

export const DEFAULT_TRAIN: TrainOptions = { window: 16, hidden: 64, steps: 10000, batch: 64, learningRate: 1e-3, weightDecay: 1e-4, positiveShare: 0.3, mineAfter: 0.4, timeWarp: 1, seed: 7 };

interface Example {
  clip: Clip;
  at: number;
}

/** The window ending at `e.at`, standardised; `rate` above 1 reads the steps before the end faster (a quicker speaker). */
function windowOf(e: Example, window: number, mean: Float32Array, scale: Float32Array, out: Float32Array, rate = 1): void {
  for (let t = 0; t < window; t++) {
    const v = e.clip.embeddings[e.at - Math.round((window - 1 - t) * rate)];
    for (let d = 0; d < EMBEDDING_SIZE; d++) out[t * EMBEDDING_SIZE + d] = v ? (v[d]! - mean[d]!) / scale[d]! : 0;
  }
}

/** Per-dimension mean and spread of the embeddings (over every clip). */
function standardiser(clips: Clip[]): { mean: Float32Array; scale: Float32Array } {
  const mean = new Float64Array(EMBEDDING_SIZE);
  const sq = new Float64Array(EMBEDDING_SIZE);
  let n = 0;
  for (const c of clips)
    for (const v of c.embeddings) {
      for (let d = 0; d < EMBEDDING_SIZE; d++) {
        mean[d]! += v[d]!;
        sq[d]! += v[d]! * v[d]!;
      }
      n++;
    }
  const m = new Float32Array(EMBEDDING_SIZE);
  const s = new Float32Array(EMBEDDING_SIZE);
  for (let d = 0; d < EMBEDDING_SIZE; d++) {
    m[d] = mean[d]! / n;
    s[d] = Math.sqrt(Math.max(1e-6, sq[d]! / n - m[d]! * m[d]!));
  }
  return { mean: m, scale: s };
}

export function trainHeads(words: string[], clips: Clip[], o: TrainOptions = DEFAULT_TRAIN): KeywordHeadsFile {
  const rand = rng(o.seed);
  const { mean, scale } = standardiser(clips);
  const K = words.length + 1;
  const pos: Example[][] = words.map(() => []);
  const neg: Example[] = [];
  for (const clip of clips)
    for (let at = 0; at < clip.embeddings.length; at++) {
      const w = words.indexOf(clip.word);
      const l = w >= 0 ? labelOf(clip, at, clip.word) : 0;
      if (l === 1) pos[w]!.push({ clip, at });
      else if (l === 0) neg.push({ clip, at });
    }
  words.forEach((w, i) => {
    if (pos[i]!.length === 0) throw new Error(`no positive example of "${w}"`);
  });
  const D = o.window * EMBEDDING_SIZE;
  const H = o.hidden;
  // He initialisation, from the seeded generator.
  const w1 = new Float32Array(H * D).map(() => (rand() * 2 - 1) * Math.sqrt(6 / D));
  const b1 = new Float32Array(H);
  const w2 = new Float32Array(K * H).map(() => (rand() * 2 - 1) * Math.sqrt(6 / H));
  const b2 = new Float32Array(K);
  const params = [w1, b1, w2, b2];
  const m = params.map((p) => new Float32Array(p.length));
  const v = params.map((p) => new Float32Array(p.length));
  const grads = params.map((p) => new Float32Array(p.length));
  const [g1, gb1, g2, gb2] = grads as [Float32Array, Float32Array, Float32Array, Float32Array];
  const x = new Float32Array(D);
  const h = new Float32Array(H);
  const z = new Float64Array(K);
  const dz = new Float64Array(K);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let hard: Example[] = [];
  for (let step = 1; step <= o.steps; step++) {
    if (step === Math.floor(o.steps * o.mineAfter)) hard = mine(neg, { window: o.window, hidden: H, K, w1, b1, w2, b2, mean, scale });
    for (const g of grads) g.fill(0);
    for (let k = 0; k < o.batch; k++) {
      const positive = rand() < o.positiveShare;
      const word = positive ? Math.floor(rand() * words.length) : -1;
      // Once mined, half the negatives are the ones the heads still confuse (near misses, other speech).
      const pool = positive ? pos[word]! : hard.length && rand() < 0.5 ? hard : neg;
      const rate = o.timeWarp > 1 ? Math.exp((rand() * 2 - 1) * Math.log(o.timeWarp)) : 1;
      windowOf(pool[Math.floor(rand() * pool.length)]!, o.window, mean, scale, x, rate);
      // Input dropout: the heads must not lean on a few dimensions.
      for (let i = 0; i < D; i++) if (rand() < 0.1) x[i] = 0;
      forward(x, { window: o.window, w1, b1, w2, b2, hidden: H, K }, h, z);
      const target = word + 1;
      for (let c = 0; c < K; c++) dz[c] = (z[c]! - (c === target ? 1 : 0)) / o.batch;
      for (let c = 0; c < K; c++) {
        gb2[c]! += dz[c]!;
        for (let j = 0; j < H; j++) g2[c * H + j]! += dz[c]! * h[j]!;
      }
      for (let j = 0; j < H; j++) {
        if (h[j]! <= 0) continue;
        let dh = 0;
        for (let c = 0; c < K; c++) dh += dz[c]! * w2[c * H + j]!;
        gb1[j]! += dh;
        const row = j * D;
        for (let i = 0; i < D; i++) g1[row + i]! += dh * x[i]!;
      }
    }
    const lr = o.learningRate * Math.min(1, (1.5 * (o.steps - step + 1)) / o.steps);
    const c1 = 1 - Math.pow(beta1, step);
    const c2 = 1 - Math.pow(beta2, step);
    for (let q = 0; q < params.length; q++) {
      const P = params[q]!;
      const G = grads[q]!;
      const M = m[q]!;
      const V = v[q]!;
      const decay = q === 0 || q === 2 ? o.weightDecay : 0;
      for (let i = 0; i < P.length; i++) {
        const g = G[i]! + decay * P[i]!;
        M[i] = beta1 * M[i]! + (1 - beta1) * g;
        V[i] = beta2 * V[i]! + (1 - beta2) * g * g;
        P[i]! -= (lr * (M[i]! / c1)) / (Math.sqrt(V[i]! / c2) + 1e-8);
      }
    }
  }
  const weights = { window: o.window, hidden: H, K, w1, b1, w2, b2, mean, scale };
  const onset: Record<string, number[]> = {};
  words.forEach((w, i) => {
    onset[w] = fitOnset(weights, pos[i]!);
  });
  return {
    format: 'snapask-keyword-heads/2',
    words,
    window: o.window,
    hidden: H,
    mean: Array.from(mean),
    scale: Array.from(scale),
    w1: Buffer.from(w1.buffer).toString('base64'),
    b1: Array.from(b1),
    w2: Array.from({ length: K }, (_, c) => Array.from(w2.subarray(c * H, (c + 1) * H))),
    b2: Array.from(b2),
    onset,
    thresholds: Object.fromEntries(words.map((w) => [w, 0.5])),
    trained: { positives: Object.fromEntries(words.map((w, i) => [w, pos[i]!.length])), negatives: neg.length, hardNegatives: hard.length, ...o },
  };
}

interface Weights {
  window: number;
  hidden: number;
  K: number;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  mean?: Float32Array;
  scale?: Float32Array;
}

/** Hidden activations into `h`, class probabilities into `z`. */
function forward(x: Float32Array, w: Weights, h: Float32Array, z: Float64Array): void {
  const D = x.length;
  for (let j = 0; j < w.hidden; j++) {
    let s = w.b1[j]!;
    const row = j * D;
    for (let i = 0; i < D; i++) s += w.w1[row + i]! * x[i]!;
    h[j] = s > 0 ? s : 0;
  }
  let max = -Infinity;
  for (let c = 0; c < w.K; c++) {
    let s = w.b2[c]!;
    for (let j = 0; j < w.hidden; j++) s += w.w2[c * w.hidden + j]! * h[j]!;
    z[c] = s;
    max = Math.max(max, s);
  }
  let sum = 0;
  for (let c = 0; c < w.K; c++) sum += z[c] = Math.exp(z[c]! - max);
  for (let c = 0; c < w.K; c++) z[c]! /= sum;
}

/** The negatives the heads, as trained so far, give any word above 0.2: the hard ones, at least the top 2 %. */
function mine(neg: Example[], w: Weights & { mean: Float32Array; scale: Float32Array }): Example[] {
  const x = new Float32Array(w.window * EMBEDDING_SIZE);
  const h = new Float32Array(w.hidden);
  const z = new Float64Array(w.K);
  const scored = neg.map((e) => {
    windowOf(e, w.window, w.mean, w.scale, x);
    forward(x, w, h, z);
    return { e, p: 1 - z[0]! };
  });
  scored.sort((a, b) => b.p - a.p);
  const top = Math.max(Math.ceil(neg.length * 0.02), scored.findIndex((s) => s.p < 0.2));
  return scored.slice(0, top).map((s) => s.e);
}

/** Ridge regression from [1, hidden] to the time from the word's start to the window's end, on its positives. */
function fitOnset(w: Weights & { mean: Float32Array; scale: Float32Array }, pos: Example[]): number[] {
  const n = w.hidden + 1;
  const A = Array.from({ length: n }, () => new Float64Array(n));
  const b = new Float64Array(n);
  const x = new Float32Array(w.window * EMBEDDING_SIZE);
  const h = new Float32Array(w.hidden);
  const z = new Float64Array(w.K);
  for (const e of pos) {
    windowOf(e, w.window, w.mean, w.scale, x);
    forward(x, w, h, z);
    const f = [1, ...h];
    const y = e.clip.ends[e.at]! - e.clip.wordStart;
    for (let i = 0; i < n; i++) {
      b[i]! += f[i]! * y;
      for (let j = 0; j < n; j++) A[i]![j]! += f[i]! * f[j]!;
    }
  }
  for (let i = 1; i < n; i++) A[i]![i]! += 1e-2 * pos.length;
  return solve(A, b);
}

/** Gaussian elimination with partial pivoting. */
function solve(A: Float64Array[], b: Float64Array): number[] {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    [b[c], b[p]] = [b[p]!, b[c]!];
    for (let r = c + 1; r < n; r++) {
      const k = A[r]![c]! / A[c]![c]!;
      for (let j = c; j < n; j++) A[r]![j]! -= k * A[c]![j]!;
      b[r]! -= k * b[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let j = r + 1; j < n; j++) s -= A[r]![j]! * x[j]!;
    x[r] = s / A[r]![r]!;
  }
  return x;
}

export { STEP_SECONDS };
