/**
 * Few-shot adaptation of the keyword heads to one voice: the shared hidden layer stays as trained, the read-out
 * (one row per class: "no command word" and each word) is refitted by multinomial logistic regression on the
 * owner's samples, the room and the shipped negatives, pulled towards the shipped read-out by a strong L2
 * penalty. Full-batch Adam from the shipped weights, a fixed number of steps and no random draws: the same
 * samples give the same read-out.
 */

/** A hidden-layer vector and its class: 0 for no command word, k for the heads' word k - 1. */
export interface Example {
  h: Float32Array;
  label: number;
}

/** Examples weighted as a set: each set weighs `weight` in the loss however many examples it holds. */
export interface ExampleSet {
  examples: Example[];
  weight: number;
}

export interface Readout {
  w2: number[][];
  b2: number[];
}

export interface FitOptions {
  /** L2 pull towards the shipped read-out, per weight. */
  penalty: number;
  steps: number;
  learningRate: number;
}

export const DEFAULT_FIT: FitOptions = { penalty: 0.02, steps: 250, learningRate: 0.03 };

/** Class probabilities of `h` under `r` into `out`. */
export function classProbabilities(r: Readout, h: Float32Array, out: Float64Array): void {
  const K = r.b2.length;
  let max = -Infinity;
  for (let c = 0; c < K; c++) {
    const w = r.w2[c]!;
    let s = r.b2[c]!;
    for (let j = 0; j < h.length; j++) s += w[j]! * h[j]!;
    out[c] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let c = 0; c < K; c++) sum += out[c] = Math.exp(out[c]! - max);
  for (let c = 0; c < K; c++) out[c]! /= sum;
}

/** The probability of class `k` for `h` under `r`: a word's score as the detector computes it. */
export function classScore(r: Readout, h: Float32Array, k: number, scratch = new Float64Array(r.b2.length)): number {
  classProbabilities(r, h, scratch);
  return scratch[k]!;
}

export function fitReadout(shipped: Readout, sets: ExampleSet[], o: FitOptions = DEFAULT_FIT): Readout {
  const K = shipped.b2.length;
  const H = shipped.w2[0]!.length;
  const n = K * (H + 1);
  // Parameters flat: row c is [w2[c][0..H), b2[c]].
  const theta0 = new Float64Array(n);
  for (let c = 0; c < K; c++) {
    for (let j = 0; j < H; j++) theta0[c * (H + 1) + j] = shipped.w2[c]![j]!;
    theta0[c * (H + 1) + H] = shipped.b2[c]!;
  }
  const theta = Float64Array.from(theta0);
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const g = new Float64Array(n);
  const p = new Float64Array(K);
  const used = sets.filter((s) => s.examples.length > 0 && s.weight > 0);
  for (let step = 1; step <= o.steps; step++) {
    for (let i = 0; i < n; i++) g[i] = o.penalty * (theta[i]! - theta0[i]!);
    for (const set of used) {
      const each = set.weight / set.examples.length;
      for (const e of set.examples) {
        let max = -Infinity;
        for (let c = 0; c < K; c++) {
          const row = c * (H + 1);
          let s = theta[row + H]!;
          for (let j = 0; j < H; j++) s += theta[row + j]! * e.h[j]!;
          p[c] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let c = 0; c < K; c++) sum += p[c] = Math.exp(p[c]! - max);
        for (let c = 0; c < K; c++) {
          const d = (each * (p[c]! / sum - (c === e.label ? 1 : 0)));
          const row = c * (H + 1);
          for (let j = 0; j < H; j++) g[row + j]! += d * e.h[j]!;
          g[row + H]! += d;
        }
      }
    }
    const c1 = 1 - Math.pow(0.9, step);
    const c2 = 1 - Math.pow(0.999, step);
    for (let i = 0; i < n; i++) {
      m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
      v[i] = 0.999 * v[i]! + 0.001 * g[i]! * g[i]!;
      theta[i]! -= (o.learningRate * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-8);
    }
  }
  return {
    w2: Array.from({ length: K }, (_, c) => Array.from(theta.subarray(c * (H + 1), c * (H + 1) + H))),
    b2: Array.from({ length: K }, (_, c) => theta[c * (H + 1) + H]!),
  };
}
