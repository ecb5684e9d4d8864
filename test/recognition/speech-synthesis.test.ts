import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseWav } from '../../src/audio/wav';
import { DEFAULT_GAP, SPEECH_RATE, synthesise, toChunks, type SynthesisedSpeech } from '../support/speech';

/** RMS of the samples in [from, to) seconds. */
function rms(pcm: Buffer, from: number, to: number): number {
  const a = Math.max(0, Math.round(from * SPEECH_RATE));
  const b = Math.min(pcm.length >> 1, Math.round(to * SPEECH_RATE));
  let sum = 0;
  for (let i = a; i < b; i++) sum += pcm.readInt16LE(i * 2) ** 2;
  return Math.sqrt(sum / Math.max(1, b - a));
}

describe('test speech synthesis', () => {
  let cacheDir: string;
  const saved = process.env.SNAPASK_SPEECH_CACHE;
  beforeAll(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapask-speech-cache-'));
    process.env.SNAPASK_SPEECH_CACHE = cacheDir;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.SNAPASK_SPEECH_CACHE;
    else process.env.SNAPASK_SPEECH_CACHE = saved;
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('gives 16 kHz mono 16-bit audio with the ground-truth place of every part', async () => {
    const s = await synthesise([{ silence: 0.4 }, { text: 'what is on the table' }, { text: 'snapshot' }, { silence: 0.8 }, { text: 'reply' }, { silence: 1 }], {
      engine: 'flite',
      voice: 'slt',
    });
    const wav = parseWav(s.wav);
    expect([wav.sampleRate, wav.channels, wav.bitsPerSample]).toEqual([16000, 1, 16]);
    expect(wav.pcm.equals(s.pcm)).toBe(true);
    expect(s.duration).toBeCloseTo(s.pcm.length / 2 / SPEECH_RATE, 6);
    expect(s.words.map((w) => w.text)).toEqual(['what is on the table', 'snapshot', 'reply']);
    const [q, snap, reply] = s.words as [SynthesisedSpeech['words'][0], SynthesisedSpeech['words'][0], SynthesisedSpeech['words'][0]];
    expect(q.start).toBeCloseTo(0.4, 3);
    expect(snap.start - q.end).toBeCloseTo(DEFAULT_GAP, 3); // no silence given between them
    expect(reply.start - snap.end).toBeCloseTo(0.8, 3);
    expect(s.duration - reply.end).toBeCloseTo(1, 3);
    // A part is sound from its first to its last 10 ms (trimmed by level); silences are silent.
    for (const w of s.words) {
      expect(w.end - w.start).toBeGreaterThan(0.25);
      expect(rms(s.pcm, w.start, w.start + 0.03)).toBeGreaterThan(30);
      expect(rms(s.pcm, w.end - 0.03, w.end)).toBeGreaterThan(10);
    }
    expect(rms(s.pcm, 0, 0.4)).toBe(0);
    expect(rms(s.pcm, snap.end, reply.start)).toBe(0);
  });

  it('caches by content: the same request is read back, a different one is not', async () => {
    const parts = [{ text: 'cache me' }, { silence: 0.2 }];
    const first = await synthesise(parts, { engine: 'flite', voice: 'kal' });
    const files = fs.readdirSync(cacheDir);
    expect(files.filter((f) => f.endsWith('.wav')).length).toBeGreaterThan(0);
    const t0 = Date.now();
    const again = await synthesise(parts, { engine: 'flite', voice: 'kal' });
    expect(Date.now() - t0).toBeLessThan(200);
    expect(again.pcm.equals(first.pcm)).toBe(true);
    expect(again.words).toEqual(first.words);
    const other = await synthesise(parts, { engine: 'flite', voice: 'awb' });
    expect(other.pcm.equals(first.pcm)).toBe(false);
    expect(fs.readdirSync(cacheDir).length).toBeGreaterThan(files.length);
  });

  it('speaks with espeak-ng and festival too, and at another rate', async () => {
    const parts = [{ text: 'snapshot please' }, { silence: 0.3 }];
    const espeak = await synthesise(parts, { engine: 'espeak-ng' });
    const festival = await synthesise(parts, { engine: 'festival' });
    const slow = await synthesise(parts, { engine: 'flite', voice: 'slt', rate: 0.7 });
    const fast = await synthesise(parts, { engine: 'flite', voice: 'slt', rate: 1.4 });
    for (const s of [espeak, festival, slow, fast]) {
      expect(s.words).toHaveLength(1);
      expect(s.words[0]!.end - s.words[0]!.start).toBeGreaterThan(0.3);
      expect(s.duration - s.words[0]!.end).toBeCloseTo(0.3, 3);
    }
    expect(slow.words[0]!.end - slow.words[0]!.start).toBeGreaterThan(1.5 * (fast.words[0]!.end - fast.words[0]!.start));
  });

  it('refuses empty text and negative silences', async () => {
    await expect(synthesise([{ text: '  ' }])).rejects.toThrow(/empty text/);
    await expect(synthesise([{ silence: -1 }])).rejects.toThrow(/silence/);
    await expect(synthesise([{ text: 'x' }], { rate: 0 })).rejects.toThrow(/rate/);
  });

  it('cuts audio into chunks with capture times', () => {
    const pcm = Buffer.alloc(16000 * 2 + 10);
    const chunks = toChunks(pcm, 5, 0.25);
    expect(chunks.map((c) => c.t)).toEqual([5, 5.25, 5.5, 5.75, 6]);
    expect(Buffer.concat(chunks.map((c) => c.pcm)).length).toBe(pcm.length);
  });
});
