import { KeywordDetector } from '../../src/recognition/detector/keyword-detector';
import { createRecogniser } from '../../src/recognition/create-recogniser';
import { RecogniserError, type KeywordEvent } from '../../src/recognition/recogniser';
import { keywordsIn, RULES } from '../support/recognise';
import { synthesise, type SpeechPart } from '../support/speech';
import { babble, withBackground } from '../bench/keywords-heldout';

/**
 * The shipped heads on speakers no training run heard (flite awb and rms, festival ked): judged as counts
 * over several utterances, not one utterance pinned; the bench (make bench ONLY=heldout) gives the figures.
 */
const HELDOUT = [
  { engine: 'flite' as const, voice: 'awb' },
  { engine: 'flite' as const, voice: 'rms' },
  { engine: 'festival' as const, voice: 'ked_diphone' },
];

/** Speech after 2.5 s of quiet (the heads look 2 s back, as a service that has been listening). */
async function spoken(parts: SpeechPart[], v: { engine: 'flite' | 'festival' | 'espeak-ng'; voice: string }) {
  return synthesise([{ silence: 2.5 }, ...parts, { silence: 1.2 }], { engine: v.engine, voice: v.voice });
}

describe('learned keyword detector', () => {
  // A guard against a broken detector, not its figure: on these voices it hears about two in three in a quiet
  // room (docs/measurements.md, held-out bench), flite awb's Scottish "reply" least.
  it('hears most of "snapshot" and "reply" from voices it never trained on, near their true times', async () => {
    let heard = 0;
    let said = 0;
    const startErrors: number[] = [];
    for (const v of HELDOUT) {
      const s = await spoken(
        [{ text: 'what is this' }, { silence: 0.5 }, { text: 'snapshot' }, { silence: 0.8 }, { text: 'and how old is it' }, { silence: 0.6 }, { text: 'reply' }, { silence: 1 }, { text: 'snapshot' }],
        v,
      );
      const events = keywordsIn(new KeywordDetector({ keywords: ['snapshot', 'reply', 'cancel', 'stop'] }), s.pcm);
      for (const part of s.words.filter((w) => w.text === 'snapshot' || w.text === 'reply')) {
        said++;
        const e = events.find((x) => x.word === part.text && x.detectedAt >= part.end - 0.05 && x.detectedAt <= part.end + 0.5);
        if (!e) continue;
        heard++;
        startErrors.push(Math.abs(e.start - part.start));
      }
    }
    expect(heard).toBeGreaterThanOrEqual(Math.ceil(said / 2));
    // The start picks the camera frame: most within a few frames of the truth.
    startErrors.sort((a, b) => a - b);
    expect(startErrors[Math.floor(startErrors.length / 2)]!).toBeLessThan(0.12);
  });

  it('hears no command in ordinary speech full of near misses', async () => {
    const events: KeywordEvent[] = [];
    for (const v of HELDOUT) {
      const s = await spoken(
        [
          { text: 'I heard a loud snap from the garden' },
          { silence: 0.6 },
          { text: 'we are still waiting for the replies' },
          { silence: 0.6 },
          { text: 'the photo shoot ran late again' },
          { silence: 0.6 },
          { text: 'apply the glue to both sides and wait' },
        ],
        v,
      );
      events.push(...keywordsIn(createRecogniser({ engine: 'learned' }, RULES, { transcribe: false }), s.pcm));
    }
    expect(events.map((e) => e.word)).toEqual([]);
  });

  // The heads were trained on noisy audio as the microphone hears it. With RNNoise in front (the default until
  // the tuning set was measured) they heard none of these; the bench gives the figures. Where RNNoise runs (for
  // PocketSphinx in "combined", or configured), the heads still hear the room before it.
  it.each([{}, { noiseSuppressor: 'rnnoise' as const }])('hears commands through people talking in the background, as the service builds it (%j)', async (suppression) => {
    const talk = await babble();
    let heard = 0;
    let said = 0;
    for (const [i, voice] of [
      { engine: 'flite' as const, voice: 'kal' },
      { engine: 'festival' as const, voice: 'kal_diphone' },
      { engine: 'flite' as const, voice: 'slt' },
      { engine: 'espeak-ng' as const, voice: 'en-gb+m3' },
    ].entries()) {
      const s = await spoken([{ text: 'what is this' }, { silence: 0.5 }, { text: 'snapshot' }, { silence: 0.8 }, { text: 'and how old is it' }, { silence: 0.6 }, { text: 'reply' }], voice);
      const pcm = withBackground(s.pcm, s.words.map((w): [number, number] => [w.start, w.end]), talk, 10, i);
      const events = keywordsIn(createRecogniser({ engine: 'learned', ...suppression }, RULES, { transcribe: false }), pcm);
      for (const part of s.words.filter((w) => w.text === 'snapshot' || w.text === 'reply')) {
        said++;
        if (events.some((e) => e.word === part.text && e.detectedAt >= part.end - 0.05 && e.detectedAt <= part.end + 1.2)) heard++;
      }
    }
    expect(heard).toBeGreaterThanOrEqual(Math.ceil(said * 0.6));
  });

  it('says which word has no trained head and how to get one', () => {
    expect(() => new KeywordDetector({ keywords: ['snapshot', 'frobnicate'] })).toThrow(RecogniserError);
    expect(() => new KeywordDetector({ keywords: ['frobnicate'] })).toThrow(/no trained detector for "frobnicate".*make train-keywords WORDS="snapshot reply cancel stop confirm frobnicate"/);
  });
});
