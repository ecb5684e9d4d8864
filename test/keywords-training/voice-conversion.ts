/**
 * Converted speakers: a training voice made into another "speaker" by a fixed change of vocal tract (formants),
 * pitch and tempo, each independent of the others. sox shifts pitch by resampling, which moves the formants
 * with it; the formants are then moved on their own by warping the spectral envelope (cepstral smoothing,
 * STFT), so a converted voice keeps its tempo and pitch while its vocal tract is longer or shorter.
 */
import { fft, soxEffect } from './rooms';

/** One converted speaker: which voice it starts from and what is changed, fixed for every clip it says. */
export interface Conversion {
  /** Formant (vocal tract) ratio: > 1 a shorter tract (higher formants). */
  formant: number;
  /** Pitch shift in cents. */
  pitchCents: number;
  /** Tempo factor: > 1 faster. */
  tempo: number;
}

const N = 512;
const HOP = 128;
/** Cepstral coefficients kept for the envelope: 2.25 ms, under the period of a 400 Hz voice (2.5 ms). */
const LIFTER = 36;

/** `x` with its spectral envelope stretched by `ratio` along frequency (pitch and timing kept). */
export function shiftFormants(x: Float32Array, ratio: number): Float32Array {
  if (ratio === 1) return Float32Array.from(x);
  const win = new Float64Array(N).map((_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N));
  const out = new Float64Array(x.length + N);
  const norm = new Float64Array(x.length + N);
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  const cr = new Float64Array(N);
  const ci = new Float64Array(N);
  const env = new Float64Array(N / 2 + 1);
  for (let at = -N + HOP; at < x.length; at += HOP) {
    for (let i = 0; i < N; i++) {
      const j = at + i;
      re[i] = j >= 0 && j < x.length ? x[j]! * win[i]! : 0;
      im[i] = 0;
    }
    fft(re, im, false);
    // The log magnitude's real cepstrum, liftered, is the envelope.
    for (let k = 0; k < N; k++) {
      cr[k] = Math.log(Math.hypot(re[k]!, im[k]!) + 1e-3);
      ci[k] = 0;
    }
    fft(cr, ci, true);
    for (let q = 0; q < N; q++) {
      const keep = q < LIFTER || q > N - LIFTER;
      cr[q] = keep ? cr[q]! / N : 0;
      ci[q] = keep ? ci[q]! / N : 0;
    }
    fft(cr, ci, false);
    for (let k = 0; k <= N / 2; k++) env[k] = cr[k]!;
    for (let k = 0; k <= N / 2; k++) {
      const src = Math.min(N / 2, k / ratio);
      const a = Math.floor(src);
      const f = src - a;
      const warped = (1 - f) * env[a]! + f * env[Math.min(N / 2, a + 1)]!;
      const g = Math.exp(warped - env[k]!);
      re[k]! *= g;
      im[k]! *= g;
      if (k > 0 && k < N / 2) {
        re[N - k] = re[k]!;
        im[N - k] = -im[k]!;
      }
    }
    fft(re, im, true);
    for (let i = 0; i < N; i++) {
      const j = at + i;
      if (j < 0) continue;
      out[j]! += (re[i]! / N) * win[i]!;
      norm[j]! += win[i]! * win[i]!;
    }
  }
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = norm[i]! > 1e-6 ? out[i]! / norm[i]! : 0;
  return y;
}

/** `speech` as the converted speaker says it; times in it scale by the returned factor (new length over old). */
export function convertVoice(speech: Int16Array, c: Conversion): { samples: Int16Array; timeScale: number } {
  let x = speech;
  const effects: string[] = [];
  if (c.pitchCents !== 0) effects.push('pitch', String(c.pitchCents));
  if (c.tempo !== 1) effects.push('tempo', '-s', c.tempo.toFixed(3));
  if (effects.length) x = soxEffect(x, effects);
  // sox's pitch moved the formants by as much as the pitch: the envelope goes to the conversion's own ratio.
  const ratio = c.formant / Math.pow(2, c.pitchCents / 1200);
  const y = shiftFormants(Float32Array.from(x), ratio);
  const out = new Int16Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(y[i]!)));
  return { samples: out, timeScale: out.length / speech.length };
}
