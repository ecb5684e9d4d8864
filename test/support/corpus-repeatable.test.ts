import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePinkNoise } from '../bench/keywords-corpus';
import { synthesise } from './speech';

/** Benchmarks compare runs of different code: the corpus must be the same bytes on every machine and run. */
describe('generated test audio is repeatable', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'snapask-repeatable-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('makes the same pink noise twice', () => {
    const [a, b] = [join(fresh(), 'a.wav'), join(fresh(), 'b.wav')];
    makePinkNoise(a);
    makePinkNoise(b);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  // espeak-ng speaks at 22.05 kHz: resampling to 16 kHz is where sox dithers.
  it('synthesises the same speech into two empty caches', async () => {
    const saved = process.env.SNAPASK_SPEECH_CACHE;
    try {
      const pcm: Buffer[] = [];
      for (const dir of [fresh(), fresh()]) {
        process.env.SNAPASK_SPEECH_CACHE = dir;
        pcm.push((await synthesise([{ text: 'snapshot' }, { silence: 0.2 }, { text: 'reply' }], { engine: 'espeak-ng' })).pcm);
      }
      expect(pcm[0]!.equals(pcm[1]!)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.SNAPASK_SPEECH_CACHE;
      else process.env.SNAPASK_SPEECH_CACHE = saved;
    }
  }, 30_000);
});
