/**
 * Trains one word's head on the dataset's embeddings: a one-hidden-layer network (ReLU, sigmoid out) by
 * Adam on balanced mini-batches, then a ridge read-out of the hidden layer for the word's start, then the
 * threshold on the tuning clips. Plain typed-array code: deterministic, no training framework needed.
 */
import { EMBEDDING_SIZE, STEP_SECONDS } from '../../src/recognition/detector/speech-embedding';
import type { KeywordHeadFile } from '../../src/recognition/detector/keyword-head';
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
  seed: number;
}

export const DEFAULT_TRAIN: TrainOptions = { window: 16, hidden: 32, steps: 4000, batch: 64, learningRate: 1e-3, weightDecay: 1e-4, positiveShare: 0.3, seed: 7 };

interface Example {
  clip: Clip;
  at: number;
}

function windowOf(e: Example, window: number, mean: Float32Array, scale: Float32Array, out: Float32Array): void {
  for (let t = 0; t < window; t++) {
    const v = e.clip.embeddings[e.at - window + 1 + t];
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

export function trainHead(word: string, clips: Clip[], o: TrainOptions = DEFAULT_TRAIN): KeywordHeadFile {
  const rand = rng(o.seed);
  const { mean, scale } = standardiser(clips);
  const pos: Example[] = [];
  const neg: Example[] = [];
  for (const clip of clips)
    for (let at = 0; at < clip.embeddings.length; at++) {
      const l = labelOf(clip, at, word);
      if (l === 1) pos.push({ clip, at });
      else if (l === 0) neg.push({ clip, at });
    }
  if (pos.length === 0) throw new Error(`no positive example of "${word}"`);
  const D = o.window * EMBEDDING_SIZE;
  const H = o.hidden;
  // He initialisation, from the seeded generator.
  const w1 = new Float32Array(H * D).map(() => (rand() * 2 - 1) * Math.sqrt(6 / D));
  const b1 = new Float32Array(H);
  const w2 = new Float32Array(H).map(() => (rand() * 2 - 1) * Math.sqrt(6 / H));
  let b2 = 0;
  const params = [w1, b1, w2];
  const m = params.map((p) => new Float32Array(p.length));
  const v = params.map((p) => new Float32Array(p.length));
  let mb2 = 0;
  let vb2 = 0;
  const g1 = new Float32Array(H * D);
  const gb1 = new Float32Array(H);
  const g2 = new Float32Array(H);
  const x = new Float32Array(D);
  const h = new Float32Array(H);
  const beta1 = 0.9;
  const beta2 = 0.999;
  for (let step = 1; step <= o.steps; step++) {
    g1.fill(0);
    gb1.fill(0);
    g2.fill(0);
    let gb2 = 0;
    for (let k = 0; k < o.batch; k++) {
      const positive = rand() < o.positiveShare;
      const pool = positive ? pos : neg;
      windowOf(pool[Math.floor(rand() * pool.length)]!, o.window, mean, scale, x);
      // Input dropout: the head must not lean on a few dimensions.
      for (let i = 0; i < D; i++) if (rand() < 0.1) x[i] = 0;
      let out = b2;
      for (let j = 0; j < H; j++) {
        let s = b1[j]!;
        const row = j * D;
        for (let i = 0; i < D; i++) s += w1[row + i]! * x[i]!;
        h[j] = s > 0 ? s : 0;
        out += w2[j]! * h[j]!;
      }
      const p = 1 / (1 + Math.exp(-out));
      const dOut = (p - (positive ? 1 : 0)) / o.batch;
      gb2 += dOut;
      for (let j = 0; j < H; j++) {
        g2[j]! += dOut * h[j]!;
        if (h[j]! <= 0) continue;
        const dh = dOut * w2[j]!;
        gb1[j]! += dh;
        const row = j * D;
        for (let i = 0; i < D; i++) g1[row + i]! += dh * x[i]!;
      }
    }
    const lr = o.learningRate * Math.min(1, (1.5 * (o.steps - step + 1)) / o.steps);
    const c1 = 1 - Math.pow(beta1, step);
    const c2 = 1 - Math.pow(beta2, step);
    const grads = [g1, gb1, g2];
    for (let q = 0; q < params.length; q++) {
      const P = params[q]!;
      const G = grads[q]!;
      const M = m[q]!;
      const V = v[q]!;
      for (let i = 0; i < P.length; i++) {
        const g = G[i]! + (q !== 1 ? o.weightDecay * P[i]! : 0);
        M[i] = beta1 * M[i]! + (1 - beta1) * g;
        V[i] = beta2 * V[i]! + (1 - beta2) * g * g;
        P[i]! -= (lr * (M[i]! / c1)) / (Math.sqrt(V[i]! / c2) + 1e-8);
      }
    }
    mb2 = beta1 * mb2 + (1 - beta1) * gb2;
    vb2 = beta2 * vb2 + (1 - beta2) * gb2 * gb2;
    b2 -= (lr * (mb2 / c1)) / (Math.sqrt(vb2 / c2) + 1e-8);
  }
  const file: KeywordHeadFile = {
    format: 'snapask-keyword-head/1',
    word,
    window: o.window,
    hidden: H,
    mean: Array.from(mean),
    scale: Array.from(scale),
    w1: Buffer.from(w1.buffer).toString('base64'),
    b1: Array.from(b1),
    w2: Array.from(w2),
    b2,
    onset: new Array(H + 1).fill(0),
    threshold: 0.5,
    trained: { positives: pos.length, negatives: neg.length, ...o },
  };
  file.onset = fitOnset(file, pos);
  return file;
}

/** Hidden-layer activations of an example under a trained head. */
function hiddenOf(f: KeywordHeadFile, e: Example, w1: Float32Array, mean: Float32Array, scale: Float32Array): Float64Array {
  const D = f.window * EMBEDDING_SIZE;
  const x = new Float32Array(D);
  windowOf(e, f.window, mean, scale, x);
  const h = new Float64Array(f.hidden);
  for (let j = 0; j < f.hidden; j++) {
    let s = f.b1[j]!;
    for (let i = 0; i < D; i++) s += w1[j * D + i]! * x[i]!;
    h[j] = s > 0 ? s : 0;
  }
  return h;
}

/** Ridge regression from [1, hidden] to the time from the word's start to the window's end, on the positives. */
function fitOnset(f: KeywordHeadFile, pos: Example[]): number[] {
  const raw = Buffer.from(f.w1, 'base64');
  const w1 = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const mean = Float32Array.from(f.mean);
  const scale = Float32Array.from(f.scale);
  const n = f.hidden + 1;
  const A = Array.from({ length: n }, () => new Float64Array(n));
  const b = new Float64Array(n);
  for (const e of pos) {
    const h = hiddenOf(f, e, w1, mean, scale);
    const z = [1, ...h];
    const y = e.clip.ends[e.at]! - e.clip.wordStart;
    for (let i = 0; i < n; i++) {
      b[i]! += z[i]! * y;
      for (let j = 0; j < n; j++) A[i]![j]! += z[i]! * z[j]!;
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
