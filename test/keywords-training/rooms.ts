/**
 * Rooms for training and benchmarks: reverberation from an image-source model of a shoebox room (Allen and
 * Berkley), background noise (pink, white, babble, recorded speech) mixed at a signal-to-noise ratio, and
 * the microphone's gain. Float samples on the int16 scale throughout.
 */
import { execFileSync } from 'node:child_process';

const C = 343;
const FS = 16000;

export interface RoomShape {
  /** Room size in metres. */
  size: [number, number, number];
  /** Reverberation time RT60, seconds. */
  rt60: number;
  /** Source to microphone distance, metres. */
  distance: number;
}

/**
 * A room impulse response by the image-source method: every mirror image of the source up to the order the
 * RT60 reaches, each delayed by its path, attenuated by 1/r and by the walls' reflection coefficient per
 * bounce (Sabine's formula gives it from the RT60). Positions are drawn from `rand` inside the room.
 */
export function roomImpulse(shape: RoomShape, rand: () => number): Float32Array {
  const [lx, ly, lz] = shape.size;
  const volume = lx * ly * lz;
  const surface = 2 * (lx * ly + lx * lz + ly * lz);
  const alpha = Math.min(0.95, (0.161 * volume) / (surface * shape.rt60));
  const beta = Math.sqrt(1 - alpha);
  const margin = 0.5;
  const mic: [number, number, number] = [margin + rand() * (lx - 2 * margin), margin + rand() * (ly - 2 * margin), 0.8 + rand() * Math.min(1, lz - 1.3)];
  // The source at the given distance from the microphone in a random direction, kept inside the room.
  let src: [number, number, number] = mic;
  for (let tries = 0; tries < 50; tries++) {
    const th = rand() * 2 * Math.PI;
    const el = (rand() - 0.5) * 0.6;
    const d = shape.distance;
    const s: [number, number, number] = [mic[0] + d * Math.cos(th) * Math.cos(el), mic[1] + d * Math.sin(th) * Math.cos(el), mic[2] + d * Math.sin(el)];
    if (s[0] > 0.2 && s[0] < lx - 0.2 && s[1] > 0.2 && s[1] < ly - 0.2 && s[2] > 0.2 && s[2] < lz - 0.2) {
      src = s;
      break;
    }
  }
  const length = Math.ceil(Math.min(1.2, shape.rt60) * FS);
  const h = new Float32Array(length);
  const maxDist = (length / FS) * C;
  const nx = Math.ceil(maxDist / (2 * lx)) + 1;
  const ny = Math.ceil(maxDist / (2 * ly)) + 1;
  const nz = Math.ceil(maxDist / (2 * lz)) + 1;
  const direct = Math.hypot(src[0] - mic[0], src[1] - mic[1], src[2] - mic[2]);
  for (let i = -nx; i <= nx; i++)
    for (let j = -ny; j <= ny; j++)
      for (let k = -nz; k <= nz; k++)
        for (let u = 0; u < 2; u++)
          for (let v = 0; v < 2; v++)
            for (let w = 0; w < 2; w++) {
              const x = (1 - 2 * u) * src[0] + 2 * i * lx - mic[0];
              const y = (1 - 2 * v) * src[1] + 2 * j * ly - mic[1];
              const z = (1 - 2 * w) * src[2] + 2 * k * lz - mic[2];
              const r = Math.hypot(x, y, z);
              const n = Math.round(((r - direct) / C) * FS);
              if (n < 0 || n >= length) continue;
              const bounces = Math.abs(i - u) + Math.abs(i) + Math.abs(j - v) + Math.abs(j) + Math.abs(k - w) + Math.abs(k);
              h[n]! += (Math.pow(beta, bounces) * direct) / r;
            }
  return h;
}

/** In-place radix-2 complex FFT (inverse with `inverse`, unscaled). */
export function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let j = 0; j < len / 2; j++) {
        const a = i + j;
        const b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a]! += tr;
        im[a]! += ti;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

/** `x` convolved with `h`, as long as `x` (the tail past the end is dropped). */
export function convolve(x: Float32Array, h: Float32Array): Float32Array {
  let n = 1;
  while (n < x.length + h.length) n <<= 1;
  const ar = new Float64Array(n);
  const ai = new Float64Array(n);
  const br = new Float64Array(n);
  const bi = new Float64Array(n);
  ar.set(x);
  br.set(h);
  fft(ar, ai, false);
  fft(br, bi, false);
  for (let i = 0; i < n; i++) {
    const r = ar[i]! * br[i]! - ai[i]! * bi[i]!;
    ai[i] = ar[i]! * bi[i]! + ai[i]! * br[i]!;
    ar[i] = r;
  }
  fft(ar, ai, true);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = ar[i]! / n;
  return out;
}

/** White or pink noise (Paul Kellet's filter), unit RMS. */
export function noise(kind: 'white' | 'pink', samples: number, rand: () => number): Float32Array {
  const out = new Float32Array(samples);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < samples; i++) {
    const w = rand() * 2 - 1;
    if (kind === 'white') {
      out[i] = w;
      continue;
    }
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  return scaleTo(out, 1);
}

export function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
}

export function scaleTo(x: Float32Array, target: number): Float32Array {
  const r = rms(x);
  if (r > 0) for (let i = 0; i < x.length; i++) x[i]! *= target / r;
  return x;
}

/**
 * Adds `background` (looped from `offset`) to `speech` so that the speech's power over [from, to) stands
 * `snrDb` above the background's.
 */
export function mixAt(speech: Float32Array, background: Float32Array, snrDb: number, from: number, to: number, offset = 0): Float32Array {
  const ps = rms(speech, from, to);
  const pb = rms(background);
  const out = Float32Array.from(speech);
  if (pb === 0 || ps === 0) return out;
  const g = ps / pb / Math.pow(10, snrDb / 20);
  for (let i = 0; i < out.length; i++) out[i]! += g * background[(i + offset) % background.length]!;
  return out;
}

/** The RMS of the loudest 10 ms frame. */
export function peakFrameRms(x: Float32Array): number {
  let peak = 0;
  for (let f = 0; f + 160 <= x.length; f += 160) peak = Math.max(peak, rms(x, f, f + 160));
  return peak;
}

/** Samples scaled so that the loudest 10 ms frame's RMS sits at `dbfs`, then clipped to int16 (a microphone's gain). */
export function atLevel(x: Float32Array, dbfs: number): Int16Array {
  const peak = peakFrameRms(x);
  const g = peak > 0 ? (32768 * Math.pow(10, dbfs / 20)) / peak : 1;
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(x[i]! * g)));
  return out;
}

/** sox on raw 16 kHz int16 audio: pitch shift in cents, speed (tempo and pitch, as a shorter or longer vocal tract and rate). */
export function soxEffect(x: Int16Array, effect: string[]): Int16Array {
  const fmt = ['-t', 'raw', '-r', '16000', '-e', 'signed-integer', '-b', '16', '-c', '1'];
  const out = execFileSync('sox', ['-q', '-R', '-G', ...fmt, '-', ...fmt, '-', ...effect, ...(effect[0] === 'speed' ? ['rate', '16000'] : [])], {
    input: Buffer.from(x.buffer, x.byteOffset, x.byteLength),
    maxBuffer: 64 * 1024 * 1024,
  });
  return new Int16Array(out.buffer, out.byteOffset, out.length >> 1).slice();
}

export function toFloat(x: Int16Array | Buffer): Float32Array {
  if (Buffer.isBuffer(x)) {
    const out = new Float32Array(x.length >> 1);
    for (let i = 0; i < out.length; i++) out[i] = x.readInt16LE(i * 2);
    return out;
  }
  return Float32Array.from(x);
}
