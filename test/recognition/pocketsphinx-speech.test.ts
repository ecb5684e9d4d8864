import { PocketSphinxRecogniser } from '../../src/recognition/pocketsphinx-recogniser';
import { RecogniserError, type KeywordEvent, type RecognitionEvent, type TranscriptEvent } from '../../src/recognition/recogniser';
import { synthesise, toChunks, type SpeechPart } from '../support/speech';

/** Feeds speech through a fresh recogniser, as the microphone would, and returns every event. */
async function recognise(parts: SpeechPart[], voice: string, t0 = 0): Promise<{ events: RecognitionEvent[]; truth: Array<{ text: string; start: number; end: number }> }> {
  const speech = await synthesise(parts, { engine: 'flite', voice });
  const rec = new PocketSphinxRecogniser({ keywords: ['snapshot', 'reply'] });
  try {
    const events: RecognitionEvent[] = [];
    for (const chunk of toChunks(speech.pcm, t0)) events.push(...rec.accept(chunk));
    events.push(...rec.flush());
    return { events, truth: speech.words.map((w) => ({ ...w, start: w.start + t0, end: w.end + t0 })) };
  } finally {
    rec.close();
  }
}

const keywords = (events: RecognitionEvent[], word: string) => events.filter((e): e is KeywordEvent => e.type === 'keyword' && e.word === word);
const transcript = (events: RecognitionEvent[]) => events.filter((e): e is TranscriptEvent => e.type === 'transcript').flatMap((e) => e.words.map((w) => w.word));

const QUESTION: SpeechPart[] = [
  { silence: 0.5 }, { text: 'what is on the table' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.3 },
  { text: 'and how many apples are there' }, { silence: 0.8 }, { text: 'reply' }, { silence: 1.0 },
];

describe('PocketSphinx on real (synthetic) speech', () => {
  for (const voice of ['slt', 'kal', 'awb', 'rms']) {
    it(`hears one snapshot, at the right time, and one reply (flite ${voice})`, async () => {
      const { events, truth } = await recognise(QUESTION, voice);
      const snap = keywords(events, 'snapshot');
      const reply = keywords(events, 'reply');
      expect(snap).toHaveLength(1);
      expect(reply).toHaveLength(1);
      const said = truth.find((w) => w.text === 'snapshot')!;
      expect(Math.abs(snap[0]!.start - said.start)).toBeLessThan(0.25);
      expect(snap[0]!.detectedAt).toBeGreaterThanOrEqual(snap[0]!.end);
      const saidReply = truth.find((w) => w.text === 'reply')!;
      expect(Math.abs(reply[0]!.start - saidReply.start)).toBeLessThan(0.25);
      // Most of the question's words are in the transcript.
      const words = 'what is on the table and how many apples are there'.split(' ');
      const heard = new Set(transcript(events));
      expect(words.filter((w) => heard.has(w)).length / words.length).toBeGreaterThanOrEqual(0.5);
    });
  }

  it('three snapshots said are three keyword events', async () => {
    const { events } = await recognise(
      [{ silence: 0.5 }, { text: 'look' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.6 }, { text: 'snapshot' }, { silence: 0.6 }, { text: 'snapshot' }, { silence: 1 }],
      'slt',
    );
    expect(keywords(events, 'snapshot')).toHaveLength(3);
  });

  it('keeps times right deep into a stream that does not start at zero', async () => {
    const { events, truth } = await recognise([{ silence: 4 }, ...QUESTION], 'slt', 1000);
    const snap = keywords(events, 'snapshot');
    expect(snap).toHaveLength(1);
    expect(Math.abs(snap[0]!.start - truth.find((w) => w.text === 'snapshot')!.start)).toBeLessThan(0.25);
  });

  it('fires no command in ordinary speech with near misses', async () => {
    const { events } = await recognise(
      [{ silence: 0.5 }, { text: 'please reapply the paint and snap the lid shut' }, { silence: 0.4 }, { text: 'she replied that the shot was fine' }, { silence: 0.4 }, { text: 'apply the rules to every reply card in the box' }, { silence: 1 }],
      'slt',
    );
    expect(keywords(events, 'snapshot')).toEqual([]);
  });

  it('names a missing model directory', () => {
    expect(() => new PocketSphinxRecogniser({ keywords: ['snapshot'], modelDir: '/nonexistent/en-us' })).toThrow(RecogniserError);
    expect(() => new PocketSphinxRecogniser({ keywords: ['snapshot'], modelDir: '/nonexistent/en-us' })).toThrow(/\/nonexistent\/en-us/);
  });
});
