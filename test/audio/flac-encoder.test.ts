import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeFlacPcm16 } from '../../src/audio/flac-encoder';
import { parseWav } from '../../src/audio/wav';

const RATE = 16000;
const demo = parseWav(readFileSync(join(resolve(__dirname, '../../../test/fixtures/demo'), 'question.wav'))).pcm;

function pcmOf(values: ArrayLike<number>): Buffer {
  const b = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) b.writeInt16LE(values[i]!, i * 2);
  return b;
}

/** ffmpeg's decoder: the samples back, 16 kHz mono s16le. */
function ffmpegDecode(flac: Buffer): Buffer {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'flac', '-i', 'pipe:0', '-f', 's16le', '-ar', String(RATE), '-ac', '1', 'pipe:1'], { input: flac, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg could not decode it: ${r.stderr.toString()}`);
  return r.stdout;
}

/** The reference decoder (libFLAC): checks every frame's CRCs and the stream's MD5 as it decodes. */
function flacDecode(flac: Buffer): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'snapask-flac-'));
  writeFileSync(join(dir, 'a.flac'), flac);
  const r = spawnSync('flac', ['--silent', '--decode', '--force-raw-format', '--endian=little', '--sign=signed', '-o', join(dir, 'a.raw'), join(dir, 'a.flac')]);
  if (r.status !== 0) throw new Error(`flac could not decode it: ${r.stderr.toString()}`);
  const t = spawnSync('flac', ['--silent', '--test', join(dir, 'a.flac')]);
  if (t.status !== 0) throw new Error(`flac --test failed: ${t.stderr.toString()}`);
  return readFileSync(join(dir, 'a.raw'));
}

let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

const cases: Array<[string, Buffer]> = [
  ['speech (the demo question)', demo],
  ['a short piece of speech (0.3 s, not a whole block)', demo.subarray(32000, 32000 + 4800 * 2)],
  ['digital silence (constant blocks)', Buffer.alloc(RATE * 2)],
  ['a constant non-zero level', pcmOf(new Array(5000).fill(-1234))],
  ['full-scale white noise (stored verbatim)', pcmOf(Array.from({ length: 9000 }, () => Math.floor(rand() * 65536) - 32768))],
  ['the extremes alternating (the largest residuals a fixed predictor makes)', pcmOf(Array.from({ length: 4100 }, (_, i) => (i % 2 ? 32767 : -32768)))],
  ['a loud sine with a step', pcmOf(Array.from({ length: 12000 }, (_, i) => Math.round(20000 * Math.sin(i / 7)) + (i > 6000 ? 9000 : 0) - 4500))],
  ['one sample', pcmOf([-32768])],
  ['a block and one sample (an odd last block)', demo.subarray(0, (4096 + 1) * 2)],
];

describe('the in-process FLAC encoder', () => {
  test.each(cases)('%s: ffmpeg and libFLAC decode it to the same samples, CRCs and MD5 checked', (_name, pcm) => {
    const flac = encodeFlacPcm16(pcm, RATE);
    expect(ffmpegDecode(flac).equals(pcm)).toBe(true);
    expect(flacDecode(flac).equals(pcm)).toBe(true);
  });

  test('speech is compressed about as well as ffmpeg compresses it (lossless, so the smaller spool file and upload)', () => {
    const ours = encodeFlacPcm16(demo, RATE).length;
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 's16le', '-ar', String(RATE), '-ac', '1', '-i', 'pipe:0', '-f', 'flac', 'pipe:1'], { input: demo, maxBuffer: 64 << 20 });
    expect(ours).toBeLessThan(demo.length * 0.8);
    expect(ours).toBeLessThan(r.stdout.length * 1.15);
  });

  test('noise that no predictor shrinks costs no more than the raw samples and a few header bytes', () => {
    const pcm = pcmOf(Array.from({ length: 8192 }, () => Math.floor(rand() * 65536) - 32768));
    expect(encodeFlacPcm16(pcm, RATE).length).toBeLessThan(pcm.length + 100);
  });
});
