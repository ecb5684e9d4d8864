import { execFileSync } from 'node:child_process';
import { DelayLine } from '../../src/audio/delay-line';
import { Downsampler3x, RESAMPLE_DELAY_48K, Upsampler3x } from '../../src/audio/resample-3x';
import { RNNOISE_FRAME, RnnoiseDenoiser } from '../../src/audio/rnnoise';
import { RNNOISE_DELAY_16K, RNNOISE_FRAME_16K, RnnoiseSuppressor } from '../../src/audio/rnnoise-suppressor';
import { synthesise } from '../support/speech';

const tone = (hz: number, rate: number, n: number, amp = 8000): Float32Array => Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));

/** Amplitude of `hz` in `x` (a single-bin DFT over the whole signal). */
function amplitude(x: ArrayLike<number>, hz: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
    im -= x[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

/** The lag (0..maxLag) at which `b` matches `a` best, by normalised cross-correlation. */
function bestLag(a: ArrayLike<number>, b: ArrayLike<number>, maxLag: number): { lag: number; r: number } {
  let best = { lag: -1, r: -Infinity };
  for (let lag = 0; lag <= maxLag; lag++) {
    let s = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i + lag < b.length && i < a.length; i++) {
      s += a[i]! * b[i + lag]!;
      na += a[i]! * a[i]!;
      nb += b[i + lag]! * b[i + lag]!;
    }
    const r = s / Math.sqrt(na * nb);
    if (r > best.r) best = { lag, r };
  }
  return best;
}

const upsampled = (x: Float32Array): Float32Array => {
  const out = new Float32Array(3 * x.length);
  new Upsampler3x().process(x, out);
  return out;
};
const downsampled = (x: Float32Array): Float32Array => {
  const out = new Float32Array(x.length / 3);
  new Downsampler3x().process(x, out);
  return out;
};
const db = (a: number, b: number): number => 20 * Math.log10(a / b);
const power = (x: Int16Array): number => x.reduce((s, v) => s + v * v, 0) / x.length;

describe('16 kHz <-> 48 kHz by three', () => {
  it('passes speech-band tones at their level and lags exactly RESAMPLE_DELAY_48K each way', () => {
    const up = new Upsampler3x();
    const down = new Downsampler3x();
    const x = tone(1000, 16000, 16000);
    const wide = new Float32Array(3 * x.length);
    up.process(x, wide);
    expect(Math.abs(db(amplitude(wide.subarray(3000), 1000, 48000), 8000))).toBeLessThan(0.1);
    const back = new Float32Array(x.length);
    down.process(wide, back);
    // Both ways together: 2 * 48 samples at 48 kHz, 32 at 16 kHz.
    const lag = (2 * RESAMPLE_DELAY_48K) / 3;
    for (const i of [2000, 5000, 9999]) expect(back[i + lag]!).toBeCloseTo(x[i]!, -1);
    expect(Math.abs(db(amplitude(back.subarray(1000), 1000, 16000), 8000))).toBeLessThan(0.1);
    expect(Math.abs(db(amplitude(downsampled(upsampled(tone(6000, 16000, 16000))).subarray(1000), 6000, 16000), 8000))).toBeLessThan(1);
  });

  it('leaves no images of the 16 kHz spectrum going up and folds nothing above 8 kHz back going down', () => {
    const wide = upsampled(tone(3000, 16000, 16000));
    // Zero-stuffing puts copies of 3 kHz at 13 and 19 kHz: the filter takes them 60 dB down.
    expect(db(amplitude(wide, 13000, 48000), amplitude(wide, 3000, 48000))).toBeLessThan(-60);
    expect(db(amplitude(wide, 19000, 48000), amplitude(wide, 3000, 48000))).toBeLessThan(-60);
    // 12 kHz at 48 kHz would alias to 4 kHz at 16 kHz.
    const narrow = downsampled(tone(12000, 48000, 48000));
    expect(db(amplitude(narrow, 4000, 16000), 8000)).toBeLessThan(-60);
  });

  it('refuses a 48 kHz block that is not whole 16 kHz samples', () => {
    expect(() => new Downsampler3x().process(new Float32Array(100), new Float32Array(34))).toThrow(RangeError);
  });
});

describe('DelayLine', () => {
  it('gives back each sample exactly n samples later, across calls of any size', () => {
    const d = new DelayLine(7);
    const x = Int16Array.from({ length: 50 }, (_, i) => i + 1);
    const out: number[] = [];
    for (const [a, b] of [[0, 3], [3, 20], [20, 21], [21, 50]] as const) {
      const part = x.slice(a, b);
      d.run(part);
      out.push(...part);
    }
    expect(out).toEqual([...new Array(7).fill(0), ...x.slice(0, 43)]);
  });
});

describe('RNNoise', () => {
  it('loads from the npm package here; refuses a frame that is not 480 samples and one after close()', () => {
    const d = new RnnoiseDenoiser();
    expect(() => d.process(new Float32Array(160))).toThrow(RangeError);
    expect(d.process(new Float32Array(RNNOISE_FRAME))).toBeGreaterThanOrEqual(0);
    d.close();
    expect(() => d.process(new Float32Array(RNNOISE_FRAME))).toThrow(/after close/);
  });

  it('on 16 kHz audio: keeps speech, lagging exactly RNNOISE_DELAY_16K, and takes pink noise down by more than 15 dB', async () => {
    const speech = await synthesise([{ silence: 0.5 }, { text: 'take a snapshot of the garden and then reply' }, { silence: 0.5 }], { engine: 'flite', voice: 'slt' });
    const n = Math.floor((speech.pcm.length >> 1) / RNNOISE_FRAME_16K) * RNNOISE_FRAME_16K;
    const x = new Int16Array(speech.pcm.buffer.slice(speech.pcm.byteOffset, speech.pcm.byteOffset + n * 2));
    const y = x.slice();
    const sup = new RnnoiseSuppressor();
    sup.run(y);
    const { lag, r } = bestLag(x, y, 600);
    expect(lag).toBe(RNNOISE_DELAY_16K);
    expect(r).toBeGreaterThan(0.9);

    const noise = execFileSync('sox', ['-q', '-R', '-n', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-', 'synth', '3', 'pinknoise', 'gain', '-20']);
    const nx = new Int16Array(noise.buffer.slice(noise.byteOffset, noise.byteOffset + 48000 * 2));
    const ny = nx.slice();
    for (let at = 0; at < ny.length; at += 4 * RNNOISE_FRAME_16K) sup.run(ny.subarray(at, at + 4 * RNNOISE_FRAME_16K));
    sup.close();
    // After a second to learn the noise.
    expect(10 * Math.log10(power(ny.subarray(16000)) / power(nx.subarray(16000)))).toBeLessThan(-15);
    expect(() => sup.run(new Int16Array(100))).toThrow(RangeError);
  });
});
