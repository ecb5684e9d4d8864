import { createRecogniser } from '../../src/recognition/create-recogniser';
import type { RecognitionEvent } from '../../src/recognition/recogniser';
import { addNoise, synthesise, toChunks } from '../support/speech';
import { RULES } from '../support/recognise';


/**
 * An hour of a quiet room (a microphone's noise floor, -65 dBFS), fed as fast
 * as the recogniser takes it, then a question: the command words are still
 * heard, at the right times (no drift), and memory did not grow meanwhile.
 */
describe('an hour of silence, then a question (PocketSphinx, both decoders, command rules)', () => {
  it('keeps word times exact and memory flat', async () => {
    const rec = createRecogniser({ engine: 'pocketsphinx' }, RULES);
    const floor = addNoise(Buffer.alloc(32000 * 10), -65, 7); // 10 s, looped
    const events: RecognitionEvent[] = [];
    const HOUR = 3600;
    let rssAt5min = 0;
    for (let i = 0; i < HOUR * 10; i++) {
      const off = (i % 100) * 3200;
      events.push(...rec.accept({ pcm: floor.subarray(off, off + 3200), t: 1000 + i / 10 }));
      if (i === 3000) {
        global.gc?.();
        rssAt5min = process.memoryUsage().rss;
      }
    }
    global.gc?.();
    const growthMb = (process.memoryUsage().rss - rssAt5min) / 1048576;
    expect(events).toEqual([]);
    const speech = await synthesise([{ text: 'what is on the table' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.9 }, { text: 'reply' }, { silence: 1.5 }], { engine: 'flite', voice: 'slt' });
    const t0 = 1000 + HOUR;
    for (const c of toChunks(addNoise(speech.pcm, -65, 9), t0)) events.push(...rec.accept(c));
    events.push(...rec.flush());
    rec.close();
    const kws = events.filter((e) => e.type === 'keyword');
    expect(kws.map((k) => k.word)).toEqual(['snapshot', 'reply']);
    const truth = speech.words.filter((w) => w.text === 'snapshot' || w.text === 'reply');
    kws.forEach((k, i) => expect(Math.abs(k.start - (t0 + truth[i]!.start))).toBeLessThan(0.1));
    const transcript = events.filter((e) => e.type === 'transcript');
    expect(transcript.length).toBeGreaterThan(0);
    expect(transcript[0]!.start).toBeGreaterThan(t0 - 0.05);
    expect(growthMb).toBeLessThan(10);
  }, 120_000);
});
