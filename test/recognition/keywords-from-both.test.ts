import { createEngine, createRecogniser } from '../../src/recognition/create-recogniser';
import { KeywordMerge, type MergeOptions } from '../../src/recognition/keywords-from-both';
import type { KeywordEvent } from '../../src/recognition/recogniser';
import { keywordsIn, RULES } from '../support/recognise';
import { synthesise, toChunks, type SpeechOptions, type SpeechPart } from '../support/speech';

/**
 * Voices of three engines, where each engine misses words the other hears: PocketSphinx hears flite awb's and
 * festival ked's slow "reply" that the detector misses, the detector hears espeak-ng's "snapshot" that
 * PocketSphinx misses (the merge is judged over all of them, not on one utterance).
 */
const VOICES: SpeechOptions[] = [
  { engine: 'flite', voice: 'awb', rate: 0.9 },
  { engine: 'festival', voice: 'ked_diphone', rate: 0.9 },
  { engine: 'espeak-ng', voice: 'en-gb+f3', rate: 0.9 },
  { engine: 'espeak-ng', voice: 'en+m7', rate: 1.2 },
  { engine: 'flite', voice: 'rms', rate: 1.2 },
  { engine: 'espeak-ng', voice: 'en-us+m3' },
];

const QUESTION: SpeechPart[] = [
  { silence: 2.5 },
  { text: 'what is this' },
  { silence: 0.6 },
  { text: 'snapshot' },
  { silence: 0.8 },
  { text: 'could you take a snapshot of the shelf' },
  { silence: 0.8 },
  { text: 'and how old is it' },
  { silence: 0.6 },
  { text: 'reply' },
  { silence: 1.2 },
  { text: 'snapshot' },
  { silence: 0.7 },
  { text: 'reply' },
  { silence: 1.2 },
];

const hears = (events: KeywordEvent[], w: { text: string; start: number; end: number }, word: string) =>
  events.some((e) => e.word === word && e.start < w.end + 0.3 && e.end > w.start - 0.3);

describe('keywords from both engines (recogniser.engine "combined")', () => {
  it('hears a word when either engine hears it, once', async () => {
    const counts = { learned: 0, pocketsphinx: 0, combined: 0, either: 0, said: 0 };
    let twice = 0;
    for (const v of VOICES) {
      const s = await synthesise(QUESTION, v);
      const words = s.words.filter((w) => w.text.includes('snapshot') || w.text === 'reply');
      const heard = {
        // The detector as the combined engine runs it: behind the same cleaner as PocketSphinx (RNNoise's).
        learned: keywordsIn(createRecogniser({ engine: 'learned', noiseSuppressor: 'rnnoise' }, RULES, { transcribe: false }), s.pcm),
        pocketsphinx: keywordsIn(createRecogniser({ engine: 'pocketsphinx' }, RULES, { transcribe: false }), s.pcm),
        combined: keywordsIn(createRecogniser({ engine: 'combined' }, RULES, { transcribe: false }), s.pcm),
      };
      for (const w of words) {
        const word = w.text.includes('snapshot') ? 'snapshot' : 'reply';
        counts.said++;
        const l = hears(heard.learned, w, word);
        const p = hears(heard.pocketsphinx, w, word);
        if (l) counts.learned++;
        if (p) counts.pocketsphinx++;
        if (l || p) counts.either++;
        if (hears(heard.combined, w, word)) counts.combined++;
      }
      // One word is one event: never the same word twice within a second.
      const c = heard.combined;
      twice += c.filter((e, i) => c.some((x, j) => j < i && x.word === e.word && Math.abs(x.start - e.start) < 1)).length;
    }
    expect(twice).toBe(0);
    // These voices are chosen so that each engine alone misses words the other hears (else this proves nothing).
    expect(counts.either).toBeGreaterThan(Math.max(counts.learned, counts.pocketsphinx) + 1);
    // The gate judges the merged stream, so the union may differ by a word from the engines' own streams merged.
    expect(counts.combined).toBeGreaterThanOrEqual(counts.either - 1);
    expect(counts.combined).toBeGreaterThanOrEqual(Math.ceil(counts.said * 0.6));
  });

  it('adds no command of its own to ordinary speech', async () => {
    let fromEngines = 0;
    let combined = 0;
    for (const v of VOICES.slice(0, 3)) {
      const s = await synthesise(
        [{ silence: 2.5 }, { text: 'I heard a loud snap from the garden' }, { silence: 0.6 }, { text: 'we are still waiting for the replies' }, { silence: 0.6 }, { text: 'apply the glue to both sides and wait' }, { silence: 1 }],
        v,
      );
      for (const engine of ['learned', 'pocketsphinx'] as const) fromEngines += keywordsIn(createRecogniser({ engine }, RULES, { transcribe: false }), s.pcm).length;
      combined += keywordsIn(createRecogniser({ engine: 'combined' }, RULES, { transcribe: false }), s.pcm).length;
    }
    expect(combined).toBeLessThanOrEqual(fromEngines);
  });

  it("gives PocketSphinx's transcript of the question", async () => {
    const s = await synthesise([{ silence: 1 }, { text: 'what colour is the door' }, { silence: 1.2 }], { engine: 'flite', voice: 'rms' });
    const engine = createEngine({ engine: 'combined' }, RULES);
    const texts: string[] = [];
    try {
      for (const c of toChunks(s.pcm)) for (const e of engine.accept(c)) if (e.type === 'transcript') texts.push(e.text);
      for (const e of engine.flush()) if (e.type === 'transcript') texts.push(e.text);
    } finally {
      engine.close();
    }
    expect(texts.join(' ')).toMatch(/door/);
  });
});

describe('KeywordMerge', () => {
  const kw = (word: string, start: number, detectedAt: number): KeywordEvent => ({ type: 'keyword', word, start, end: detectedAt - 0.05, detectedAt });
  const opts = (o: Partial<MergeOptions>): MergeOptions => ({ windowSeconds: 0.3, start: 'first', holdSeconds: 0, sources: {}, ...o });

  it('sends the first report at once and drops the other engine\'s report of the same word', () => {
    const m = new KeywordMerge(opts({}));
    expect(m.add(kw('snapshot', 1.0, 1.6), 'learned', 1.6).map((e) => e.start)).toEqual([1.0]);
    expect(m.add(kw('snapshot', 1.08, 1.9), 'pocketsphinx', 1.9)).toEqual([]);
    // A later "snapshot" is a new one, from either engine.
    expect(m.add(kw('snapshot', 3.0, 3.5), 'pocketsphinx', 3.5)).toHaveLength(1);
    // Another word at the same time is its own event.
    expect(m.add(kw('reply', 3.0, 3.6), 'learned', 3.6)).toHaveLength(1);
  });

  it('lets one engine report the same word twice (its own repeats are not the merge\'s to drop)', () => {
    const m = new KeywordMerge(opts({}));
    expect(m.add(kw('snapshot', 1.0, 1.6), 'learned', 1.6)).toHaveLength(1);
    expect(m.add(kw('snapshot', 2.2, 2.8), 'learned', 2.8)).toHaveLength(1);
  });

  it('waits for the engine whose start it keeps, and no longer than the hold', () => {
    const m = new KeywordMerge(opts({ start: 'pocketsphinx', holdSeconds: 0.3 }));
    expect(m.add(kw('snapshot', 1.0, 1.6), 'learned', 1.6)).toEqual([]);
    expect(m.advance(1.7)).toEqual([]);
    const [e] = m.add(kw('snapshot', 1.1, 1.8), 'pocketsphinx', 1.8);
    expect(e).toMatchObject({ start: 1.1, detectedAt: 1.8 });
    // Unpaired, it goes when its hold is over, with its own start.
    expect(m.add(kw('reply', 4.0, 4.5), 'learned', 4.5)).toEqual([]);
    expect(m.advance(4.7)).toEqual([]);
    expect(m.advance(4.8)).toEqual([expect.objectContaining({ word: 'reply', start: 4.0, detectedAt: 4.8 })]);
    // The preferred engine's report goes at once.
    expect(m.add(kw('snapshot', 6.0, 6.5), 'pocketsphinx', 6.5)).toHaveLength(1);
  });

  it('keeps the earlier start of the two with "earlier"', () => {
    const m = new KeywordMerge(opts({ start: 'earlier', holdSeconds: 0.3 }));
    expect(m.add(kw('snapshot', 1.1, 1.6), 'learned', 1.6)).toEqual([]);
    expect(m.add(kw('snapshot', 0.95, 1.7), 'pocketsphinx', 1.7)).toEqual([expect.objectContaining({ start: 0.95 })]);
  });

  it('hears a word from one engine only where the policy says so', () => {
    const m = new KeywordMerge(opts({ sources: { stop: 'learned' } }));
    expect(m.add(kw('stop', 1.0, 1.4), 'pocketsphinx', 1.4)).toEqual([]);
    expect(m.add(kw('stop', 1.0, 1.5), 'learned', 1.5)).toHaveLength(1);
  });

  it('sends what still waits at the end of the input', () => {
    const m = new KeywordMerge(opts({ start: 'learned', holdSeconds: 0.3 }));
    expect(m.add(kw('snapshot', 1.0, 1.6), 'pocketsphinx', 1.6)).toEqual([]);
    expect(m.drain(1.7)).toEqual([expect.objectContaining({ word: 'snapshot', start: 1.0, detectedAt: 1.7 })]);
  });
});
