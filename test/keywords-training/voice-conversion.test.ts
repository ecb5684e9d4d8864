import { fft } from './rooms';
import { convertVoice, shiftFormants } from './voice-conversion';

/** A vowel-like sound: a 120 Hz pulse train through one resonance at `formant` Hz. */
function vowel(formant: number, seconds = 1): Float32Array {
  const n = seconds * 16000;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i += Math.round(16000 / 120)) x[i] = 8000;
  // Two-pole resonator, 150 Hz wide.
  const r = Math.exp((-Math.PI * 150) / 16000);
  const a1 = 2 * r * Math.cos((2 * Math.PI * formant) / 16000);
  const a2 = -r * r;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = x[i]! + a1 * (y[i - 1] ?? 0) + a2 * (y[i - 2] ?? 0);
  const peak = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return y.map((v) => (v / peak) * 10000);
}

/** Magnitude spectrum of 8192 samples from the middle, bin width 16000/8192 Hz. */
function spectrum(x: Float32Array): Float64Array {
  const n = 8192;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const from = Math.floor((x.length - n) / 2);
  for (let i = 0; i < n; i++) re[i] = x[from + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
  fft(re, im, false);
  return new Float64Array(n / 2).map((_, k) => Math.hypot(re[k]!, im[k]!));
}

const hz = (bin: number): number => (bin * 16000) / 8192;

/** The strongest harmonic (the formant's position, to a harmonic) and the pitch (the autocorrelation's peak, 60 to 400 Hz). */
function peaks(x: Float32Array): { formant: number; pitch: number } {
  const s = spectrum(x);
  let best = 1;
  for (let k = 1; k < s.length; k++) if (s[k]! > s[best]!) best = k;
  const from = Math.floor(x.length / 4);
  const corr = Array.from({ length: 268 }, (_, l) => {
    let c = 0;
    for (let i = from; i < from + 4000; i++) c += x[i]! * x[i + l]!;
    return c;
  });
  const top = Math.max(...corr.slice(40));
  // The first lag near the top: a period's multiples correlate as well as the period.
  const lag = corr.findIndex((c, l) => l >= 40 && c >= 0.9 * top);
  return { formant: hz(best), pitch: 16000 / lag };
}

describe('converted speakers', () => {
  it('moves the formant and keeps the pitch and the length', () => {
    const x = vowel(720);
    const before = peaks(x);
    const y = shiftFormants(x, 1.25);
    const after = peaks(y);
    expect(y.length).toBe(x.length);
    expect(Math.abs(before.formant - 720)).toBeLessThan(70);
    // 900 Hz, to the nearest 120 Hz harmonic.
    expect(Math.abs(after.formant - 900)).toBeLessThan(70);
    expect(Math.abs(after.pitch - before.pitch)).toBeLessThan(3);
  });

  it('shifts pitch and tempo on their own, the formant where the conversion puts it', () => {
    const x = vowel(720, 1.5);
    const pcm = Int16Array.from(x, (v) => Math.round(v));
    const c = convertVoice(pcm, { formant: 1, pitchCents: 700, tempo: 1.25 });
    expect(c.timeScale).toBeCloseTo(1 / 1.25, 1);
    const after = peaks(Float32Array.from(c.samples));
    expect(after.pitch).toBeGreaterThan(120 * 1.4);
    expect(after.pitch).toBeLessThan(120 * 1.6);
    // sox moved the formant up with the pitch; the envelope warp brings it back (to a harmonic of the new pitch).
    expect(Math.abs(after.formant - 720)).toBeLessThan(after.pitch * 0.6);
  });
});
