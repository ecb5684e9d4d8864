/**
 * Streaming 16 kHz <-> 48 kHz conversion by a factor of three, for a 48 kHz
 * stage (RNNoise) in the 16 kHz recogniser path. One linear-phase low-pass FIR
 * serves both ways, so the delay is exact and known: (TAPS - 1) / 2 samples at
 * 48 kHz each way, a whole number of 16 kHz samples for the round trip. Linear
 * interpolation (resample.ts) would alias speech above 8 kHz back into the band
 * the recogniser listens to.
 */

/** Taps of the low-pass: 1 ms of delay each way at 48 kHz, stop band past 8 kHz about 60 dB down. */
export const RESAMPLE_TAPS = 97;
/** Delay of the FIR, in 48 kHz samples. */
export const RESAMPLE_DELAY_48K = (RESAMPLE_TAPS - 1) / 2;

/** Windowed-sinc low-pass at 48 kHz, cut off at 7.6 kHz (below the 8 kHz Nyquist of 16 kHz), Blackman window, unit DC gain. */
function lowPass(): Float64Array {
  const h = new Float64Array(RESAMPLE_TAPS);
  const fc = 7600 / 48000;
  const m = RESAMPLE_TAPS - 1;
  let sum = 0;
  for (let i = 0; i < RESAMPLE_TAPS; i++) {
    const x = i - m / 2;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / m) + 0.08 * Math.cos((4 * Math.PI * i) / m);
    h[i] = sinc * w;
    sum += h[i]!;
  }
  for (let i = 0; i < RESAMPLE_TAPS; i++) h[i]! /= sum;
  return h;
}

const H = lowPass();

/** 16 kHz in, 48 kHz out: three output samples per input sample, delayed by RESAMPLE_DELAY_48K. */
export class Upsampler3x {
  // The last ceil(TAPS / 3) inputs, newest last.
  private readonly hist = new Float64Array(Math.ceil(RESAMPLE_TAPS / 3));

  /** `out` must hold 3 * input.length samples. */
  process(input: ArrayLike<number>, out: Float32Array): void {
    const hist = this.hist;
    const k = hist.length;
    for (let n = 0; n < input.length; n++) {
      hist.copyWithin(0, 1);
      hist[k - 1] = input[n]!;
      for (let p = 0; p < 3; p++) {
        // Zero-stuffed input: only every third tap meets a sample; times 3 keeps the gain.
        let acc = 0;
        for (let j = p, i = k - 1; j < RESAMPLE_TAPS; j += 3, i--) acc += H[j]! * hist[i]!;
        out[3 * n + p] = 3 * acc;
      }
    }
  }
}

/** 48 kHz in, 16 kHz out: one output sample per three input samples, delayed by RESAMPLE_DELAY_48K (at 48 kHz). */
export class Downsampler3x {
  private readonly hist = new Float64Array(RESAMPLE_TAPS);

  /** `input.length` must be a multiple of 3; `out` must hold input.length / 3 samples. */
  process(input: Float32Array, out: Float32Array): void {
    if (input.length % 3 !== 0) throw new RangeError('input must hold a multiple of 3 samples');
    const hist = this.hist;
    for (let n = 0; n < input.length / 3; n++) {
      // The output sits on the 16 kHz grid: it is taken with input 3n newest, then 3n+1 and 3n+2 come in.
      hist.copyWithin(0, 1);
      hist[RESAMPLE_TAPS - 1] = input[3 * n]!;
      let acc = 0;
      for (let j = 0; j < RESAMPLE_TAPS; j++) acc += H[j]! * hist[RESAMPLE_TAPS - 1 - j]!;
      hist.copyWithin(0, 2);
      hist[RESAMPLE_TAPS - 2] = input[3 * n + 1]!;
      hist[RESAMPLE_TAPS - 1] = input[3 * n + 2]!;
      out[n] = acc;
    }
  }
}
