import { KeywordHeads } from '../../src/recognition/detector/keyword-head';
import { EmbeddingModels, embedRecording } from '../../src/recognition/detector/speech-embedding';
import { synthesise } from '../support/speech';
import { buildDataset, labelOf } from './dataset';
import { assertDisjoint, CONVERTED_SPEAKERS, HELDOUT_SPEAKERS, TRAINING_SPEAKERS } from './speakers';
import { nearMissSentences, NEAR_MISSES, ordinarySentences, soundAlikeSentences } from './phrases';
import { FILLER_SENTENCES, NEAR_MISS_SENTENCES } from '../bench/keywords-corpus';
import { DEFAULT_TRAIN, trainHeads } from './train-head';

/** The largest score a head gives over a recording (every window). */
function maxScore(heads: KeywordHeads, word: string, samples: Int16Array, models: EmbeddingModels): number {
  const e = embedRecording(models, samples).map((x) => x.vector);
  let max = 0;
  for (let i = 0; i < e.length; i++) max = Math.max(max, heads.score(e.slice(Math.max(0, i - heads.window + 1), i + 1))[word]!.score);
  return max;
}

const pcmOf = (b: Buffer): Int16Array => new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));

describe('keyword training', () => {
  let models: EmbeddingModels;
  beforeAll(() => {
    models = new EmbeddingModels();
  });
  afterAll(() => models.close());

  it('keeps the held-out speakers out of training', () => {
    expect(() => assertDisjoint()).not.toThrow();
    const trained = new Set(TRAINING_SPEAKERS.flatMap((s) => s.voices.map((v) => v.voice)));
    for (const s of HELDOUT_SPEAKERS) for (const v of s.voices) expect(trained.has(v.voice)).toBe(false);
    // Converted speakers are made from training voices only.
    for (const c of CONVERTED_SPEAKERS) expect(trained.has(c.from.voice)).toBe(true);
  });

  it("trains on none of the bench's sentences", () => {
    const bench = new Set([...NEAR_MISS_SENTENCES, ...FILLER_SENTENCES].map((s) => s.toLowerCase().replace(/[^a-z ]/g, '').trim()));
    const training = [
      ...ordinarySentences(1000, 1),
      ...soundAlikeSentences(500, 1),
      ...Object.keys(NEAR_MISSES).flatMap((w) => nearMissSentences(w, 1)),
    ];
    expect(training.filter((s) => bench.has(s.toLowerCase()))).toEqual([]);
  });

  it('retrains a small head to the same weights, and it hears its word from a voice it never heard', async () => {
    const opts = {
      words: ['snapshot', 'reply'],
      scale: 0.5,
      seed: 5,
      rates: [1],
      babbleSentences: 4,
      voices: [
        { engine: 'flite' as const, voice: 'kal' },
        { engine: 'flite' as const, voice: 'slt' },
      ],
    };
    const clips = await buildDataset(models, opts);
    expect(clips.some((c) => c.embeddings.some((_e, at) => labelOf(c, at, 'snapshot') === 1))).toBe(true);
    const small = { ...DEFAULT_TRAIN, hidden: 8, steps: 300 };
    const a = trainHeads(['snapshot', 'reply'], clips, small);
    const b = trainHeads(['snapshot', 'reply'], await buildDataset(models, opts), small);
    expect(b.w1).toBe(a.w1);
    expect(b.w2).toEqual(a.w2);
    expect(b.onset).toEqual(a.onset);

    // A held-out speaker: the word scores above a near miss and above ordinary speech.
    const heads = new KeywordHeads(a);
    const said = await synthesise([{ silence: 1.5 }, { text: 'snapshot' }, { silence: 0.6 }], { engine: 'flite', voice: 'rms' });
    const other = await synthesise([{ silence: 1.5 }, { text: 'the weather will be cold tomorrow' }, { silence: 0.6 }], { engine: 'flite', voice: 'rms' });
    expect(maxScore(heads, 'snapshot', pcmOf(said.pcm), models)).toBeGreaterThan(maxScore(heads, 'snapshot', pcmOf(other.pcm), models));
  }, 180_000);
});
