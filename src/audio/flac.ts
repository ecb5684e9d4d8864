import { spawn } from 'node:child_process';
import { SAMPLE_RATE } from './audio-source';
import { encodeFlacPcm16 } from './flac-encoder';

/**
 * The spool's codec for a question's audio: FLAC is lossless, about half the size of WAV, and the API takes it.
 * Encoded in process: a piece of a question is on its way without waiting for a process to start.
 */
export function encodeFlac(pcm: Buffer): Buffer {
  return encodeFlacPcm16(pcm, SAMPLE_RATE);
}

/** Any audio ffmpeg reads, as the microphone's format (16 kHz mono s16le): for the offline fallback. */
export function decodeToPcm(bytes: Buffer, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  return ffmpeg(['-i', 'pipe:0', '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', '1', 'pipe:1'], bytes, env);
}

function ffmpeg(args: string[], input: Buffer, env: NodeJS.ProcessEnv): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', (e) => reject(new Error(`cannot run ffmpeg: ${e.message}`)));
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg failed (${code}): ${err.trim().split('\n').pop() ?? ''}`))));
    p.stdin.on('error', () => undefined);
    p.stdin.end(input);
  });
}
