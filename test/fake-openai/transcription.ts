import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ApiError } from './errors';

/** The double decodes everything it is sent to this: 16 kHz mono 16-bit, the microphone's own format. */
export const TRANSCRIBE_RATE = 16000;
/** One word of the double's transcript per this much audio. */
export const SECONDS_PER_WORD = 0.25;
/** A block quieter than this (RMS, 16-bit) is silence and gets no word, as a real model writes nothing for a pause. */
const SILENCE_RMS = 100;
/** The real API's limits: 25 MB per file, 0.1 s at least; gpt-4o-transcribe takes at most 1500 s. */
export const DEFAULT_LIMITS = { maxBytes: 25 * 1024 * 1024, minSeconds: 0.1, maxSeconds: 1500 };
export type TranscriptionLimits = typeof DEFAULT_LIMITS;

const FORMATS = "['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']";

/** One transcription the double answered, for tests to check which stretches of audio went out, and in what order. */
export interface Transcription {
  /** The audio as decoded (16 kHz mono s16le). */
  pcm: Buffer;
  seconds: number;
  text: string;
  filename: string;
  model: string;
  prompt?: string;
  language?: string;
  /** Seconds on the process.hrtime clock when the answer was ready. */
  answeredAt: number;
  /** The answer was cut (an injected reset or stall): the client never got this text. */
  cut?: true;
}

/**
 * The audio of a request as 16 kHz mono samples: a 16 kHz mono PCM WAV is read directly, anything else
 * goes through ffmpeg (FLAC, Ogg, ...). What neither can read is refused as the real API refuses it.
 */
export async function decodeAudio(bytes: Buffer, filename: string): Promise<Buffer> {
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase() ?? '';
  if (!['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm'].includes(ext)) {
    throw new ApiError(400, `Invalid file format. Supported formats: ${FORMATS}`, 'invalid_request_error', null, 'invalid_value');
  }
  const direct = ext === 'wav' ? wav16kMono(bytes) : undefined;
  if (direct) return direct;
  try {
    return await ffmpegDecode(bytes);
  } catch {
    throw new ApiError(400, `Invalid file format. Supported formats: ${FORMATS}`, 'invalid_request_error', null, 'invalid_value');
  }
}

/**
 * The double's "transcript": one word per SECONDS_PER_WORD of audio that is not silence, each word picked by
 * a hash of that block's samples. The same audio always gives the same words and different audio different
 * ones, so a stretch sent twice shows twice in the text and a stretch never sent is missing.
 */
export function wordsFor(pcm: Buffer): string {
  const block = Math.round(SECONDS_PER_WORD * TRANSCRIBE_RATE) * 2;
  const words: string[] = [];
  for (let off = 0; off < pcm.length; off += block) {
    const part = pcm.subarray(off, Math.min(pcm.length, off + block));
    // A trailing scrap shorter than half a word is not a word.
    if (part.length < block / 2 || rms(part) < SILENCE_RMS) continue;
    words.push(wordOf(createHash('sha256').update(part).digest()));
  }
  return words.join(' ');
}

/** Checks the request against the real API's limits; returns the decoded audio's length in seconds. */
export function checkLimits(bytes: number, pcm: Buffer, limits: TranscriptionLimits, model: string): number {
  if (bytes > limits.maxBytes) throw new ApiError(413, `Maximum content size limit (${limits.maxBytes}) exceeded (${bytes} bytes read)`, 'invalid_request_error', null, null);
  const seconds = pcm.length / 2 / TRANSCRIBE_RATE;
  if (seconds < limits.minSeconds) {
    throw new ApiError(400, `Audio file is too short. Minimum audio length is ${limits.minSeconds} seconds.`, 'invalid_request_error', 'file', 'audio_too_short');
  }
  if (seconds > limits.maxSeconds) {
    throw new ApiError(400, `audio duration ${seconds.toFixed(1)} seconds is longer than ${limits.maxSeconds} seconds which is the maximum for this model`, 'invalid_request_error', null, 'invalid_value');
  }
  void model;
  return seconds;
}

const CONSONANTS = 'bdfgklmnprstvz';
const VOWELS = 'aeiou';

/** A pronounceable four-letter word (consonant, vowel, consonant, vowel): never one of the command words. */
function wordOf(hash: Buffer): string {
  const c = (i: number) => CONSONANTS[hash[i]! % CONSONANTS.length]!;
  const v = (i: number) => VOWELS[hash[i]! % VOWELS.length]!;
  return c(0) + v(1) + c(2) + v(3);
}

function rms(pcm: Buffer): number {
  let sum = 0;
  const n = pcm.length >> 1;
  for (let i = 0; i < n; i++) {
    const s = pcm.readInt16LE(i * 2);
    sum += s * s;
  }
  return n ? Math.sqrt(sum / n) : 0;
}

/** The samples of a 16 kHz mono 16-bit PCM WAV, or undefined for any other WAV (left to ffmpeg). */
function wav16kMono(wav: Buffer): Buffer | undefined {
  if (wav.length < 44 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let off = 12;
  let ok = false;
  while (off + 8 <= wav.length) {
    const id = wav.toString('ascii', off, off + 4);
    const size = wav.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      ok = wav.readUInt16LE(off + 8) === 1 && wav.readUInt16LE(off + 10) === 1 && wav.readUInt32LE(off + 12) === TRANSCRIBE_RATE && wav.readUInt16LE(off + 22) === 16;
    } else if (id === 'data') {
      if (!ok) return undefined;
      const end = Math.min(wav.length, off + 8 + size);
      return wav.subarray(off + 8, end - ((end - off - 8) & 1));
    }
    off += 8 + size + (size & 1);
  }
  return undefined;
}

function ffmpegDecode(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', String(TRANSCRIBE_RATE), 'pipe:1'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exited ${code}: ${err.trim()}`))));
    // ffmpeg may stop reading early on a file it cannot parse.
    p.stdin.on('error', () => undefined);
    p.stdin.end(bytes);
  });
}
