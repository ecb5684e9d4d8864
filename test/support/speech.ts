/**
 * Test speech with ground truth: each text part is synthesised on its own by a
 * local TTS engine (flite, espeak-ng or festival), resampled with sox to
 * 16 kHz mono S16LE, trimmed of its leading/trailing silence by an energy
 * threshold, and concatenated with the requested silences. `words` gives where
 * each text part starts and ends in the final audio, in seconds.
 *
 * Results are cached by content hash under <repo>/build/speech-cache/, so
 * repeated test runs do not call the engines again.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeWav, parseWav } from '../../src/audio/wav';

export type SpeechPart = { text: string } | { silence: number };
export type SpeechEngine = 'flite' | 'espeak-ng' | 'festival';

export interface SpeechOptions {
  /** Default flite. */
  engine?: SpeechEngine;
  /** flite: kal, kal16, slt, awb, rms (default kal); espeak-ng: a voice name (default en-us); festival: a voice (default kal_diphone). */
  voice?: string;
  /** Speaking-rate multiplier: 1 normal, > 1 faster. */
  rate?: number;
}

export interface SpokenPart {
  text: string;
  /** Seconds from the beginning of the audio. */
  start: number;
  end: number;
}

export interface SynthesisedSpeech {
  /** The same audio as a WAV file (16 kHz mono 16-bit). */
  wav: Buffer;
  /** 16 kHz mono S16LE PCM. */
  pcm: Buffer;
  /** Ground truth position of each text part, in order. */
  words: SpokenPart[];
  /** Seconds. */
  duration: number;
}

export const SPEECH_RATE = 16000;
/** Silence put between two text parts that have no explicit silence between them. */
export const DEFAULT_GAP = 0.15;
/** Bump when the synthesis or trimming changes, to invalidate cached audio. */
const CACHE_VERSION = 3; // 3: sox -R (repeatable: no random dither)

function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'src'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export function speechCacheDir(): string {
  return process.env.SNAPASK_SPEECH_CACHE ?? path.join(repoRoot(), 'build', 'speech-cache');
}

function run(cmd: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') reject(new Error(`${cmd} is not installed (apt-get install ${cmd === 'text2wave' ? 'festival' : cmd})`));
      else reject(new Error(`${cmd} ${args.join(' ')} failed: ${String(stderr).trim() || e.message}`));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function engineToWav(text: string, out: string, tmp: string, opts: Required<SpeechOptions>): Promise<void> {
  const rate = opts.rate;
  switch (opts.engine) {
    case 'flite': {
      const args = ['-voice', opts.voice];
      if (rate !== 1) args.push('--setf', `duration_stretch=${(1 / rate).toFixed(4)}`);
      args.push('-t', text, '-o', out);
      return run('flite', args);
    }
    case 'espeak-ng':
      return run('espeak-ng', ['-v', opts.voice, '-s', String(Math.round(175 * rate)), '-w', out, '--', text]);
    case 'festival': {
      const txt = path.join(tmp, 'text.txt');
      fs.writeFileSync(txt, text + '\n');
      const args = ['-eval', `(voice_${opts.voice})`];
      if (rate !== 1) args.push('-eval', `(Parameter.set 'Duration_Stretch ${(1 / rate).toFixed(4)})`);
      args.push('-o', out, txt);
      return run('text2wave', args);
    }
    default:
      throw new Error(`unknown speech engine ${String(opts.engine)}`);
  }
}

/** Frame RMS over 10 ms frames; returns [first, last) sample of the part above the threshold. */
export function speechBounds(pcm: Buffer, rate = SPEECH_RATE): { start: number; end: number } {
  const n = pcm.length >> 1;
  const frame = Math.round(rate / 100);
  const rms: number[] = [];
  for (let f = 0; f * frame < n; f++) {
    let sum = 0;
    const a = f * frame;
    const b = Math.min(n, a + frame);
    for (let i = a; i < b; i++) {
      const v = pcm.readInt16LE(i * 2);
      sum += v * v;
    }
    rms.push(Math.sqrt(sum / Math.max(1, b - a)));
  }
  const peak = Math.max(0, ...rms);
  // 35 dB below the loudest frame, but never below a floor that dithering noise could cross.
  const threshold = Math.max(30, peak * Math.pow(10, -35 / 20));
  const first = rms.findIndex((r) => r > threshold);
  if (first < 0) return { start: 0, end: 0 };
  let last = rms.length - 1;
  while (last > first && rms[last]! <= threshold) last--;
  return { start: first * frame, end: Math.min(n, (last + 1) * frame) };
}

async function synthesisePart(text: string, opts: Required<SpeechOptions>): Promise<Buffer> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snapask-speech-'));
  try {
    const raw = path.join(tmp, 'engine.wav');
    const out = path.join(tmp, 'out.wav');
    await engineToWav(text, raw, tmp, opts);
    // -R: repeatable (sox otherwise dithers with a random seed, and every fresh clone heard other speech).
    await run('sox', ['-q', '-R', raw, '-r', String(SPEECH_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', out]);
    const info = parseWav(fs.readFileSync(out), `sox output for "${text}"`);
    if (info.sampleRate !== SPEECH_RATE || info.channels !== 1) throw new Error(`sox produced ${info.sampleRate} Hz x${info.channels}`);
    const { start, end } = speechBounds(info.pcm);
    if (end <= start) throw new Error(`${opts.engine} produced no audible speech for "${text}"`);
    return Buffer.from(info.pcm.subarray(start * 2, end * 2));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function silence(seconds: number): Buffer {
  return Buffer.alloc(Math.round(seconds * SPEECH_RATE) * 2);
}

export async function synthesise(parts: SpeechPart[], opts: SpeechOptions = {}): Promise<SynthesisedSpeech> {
  const engine = opts.engine ?? 'flite';
  const full: Required<SpeechOptions> = {
    engine,
    voice: opts.voice ?? (engine === 'flite' ? 'kal' : engine === 'espeak-ng' ? 'en-us' : 'kal_diphone'),
    rate: opts.rate ?? 1,
  };
  if (!(full.rate > 0)) throw new Error(`rate must be positive, got ${full.rate}`);
  for (const p of parts) {
    if ('silence' in p && !(p.silence >= 0)) throw new Error(`silence must be >= 0 seconds, got ${p.silence}`);
    if ('text' in p && !p.text.trim()) throw new Error('empty text part');
  }

  const key = createHash('sha256')
    .update(JSON.stringify({ v: CACHE_VERSION, parts, engine: full.engine, voice: full.voice, rate: full.rate }))
    .digest('hex')
    .slice(0, 32);
  const dir = speechCacheDir();
  const wavPath = path.join(dir, `${key}.wav`);
  const metaPath = path.join(dir, `${key}.json`);
  try {
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as { words: SpokenPart[]; duration: number };
    const wav = fs.readFileSync(wavPath);
    const pcm = parseWav(wav, wavPath).pcm;
    if (pcm.length === Math.round(meta.duration * SPEECH_RATE) * 2) return { wav, pcm, words: meta.words, duration: meta.duration };
  } catch {
    // not cached (or a partial entry): synthesise
  }

  const pieces: Buffer[] = [];
  const words: SpokenPart[] = [];
  let samples = 0;
  let prevWasText = false;
  for (const p of parts) {
    if ('silence' in p) {
      const s = silence(p.silence);
      pieces.push(s);
      samples += s.length >> 1;
      prevWasText = false;
    } else {
      if (prevWasText) {
        const s = silence(DEFAULT_GAP);
        pieces.push(s);
        samples += s.length >> 1;
      }
      const pcm = await synthesisePart(p.text, full);
      words.push({ text: p.text, start: samples / SPEECH_RATE, end: (samples + (pcm.length >> 1)) / SPEECH_RATE });
      pieces.push(pcm);
      samples += pcm.length >> 1;
      prevWasText = true;
    }
  }
  const pcm = Buffer.concat(pieces);
  const wav = encodeWav(pcm, SPEECH_RATE);
  const duration = samples / SPEECH_RATE;

  fs.mkdirSync(dir, { recursive: true });
  // Write then rename, so parallel test workers never read a half-written entry.
  const suffix = `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(wavPath + suffix, wav);
  fs.renameSync(wavPath + suffix, wavPath);
  fs.writeFileSync(metaPath + suffix, JSON.stringify({ words, duration }));
  fs.renameSync(metaPath + suffix, metaPath);
  return { wav, pcm, words, duration };
}

/** Cut PCM into chunks of `chunkSeconds` with capture times starting at `t0` (as an AudioSource would). */
export function toChunks(pcm: Buffer, t0 = 0, chunkSeconds = 0.1): Array<{ pcm: Buffer; t: number }> {
  const step = Math.max(1, Math.round(chunkSeconds * SPEECH_RATE)) * 2;
  const out: Array<{ pcm: Buffer; t: number }> = [];
  for (let off = 0; off < pcm.length; off += step) {
    out.push({ pcm: pcm.subarray(off, Math.min(pcm.length, off + step)), t: t0 + off / 2 / SPEECH_RATE });
  }
  return out;
}

/** Low-level white noise at about `dbfs` RMS (deterministic), like a real microphone's floor. */
export function addNoise(pcm: Buffer, dbfs = -60, seed = 1): Buffer {
  const out = Buffer.from(pcm);
  const amp = 32768 * Math.pow(10, dbfs / 20) * Math.sqrt(3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i + 1 < out.length; i += 2) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const v = out.readInt16LE(i) + Math.round(((s / 0xffffffff) * 2 - 1) * amp);
    out.writeInt16LE(Math.max(-32768, Math.min(32767, v)), i);
  }
  return out;
}
