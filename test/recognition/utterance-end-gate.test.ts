import { commandRules } from '../../src/recognition/command-words';
import { createEngine } from '../../src/recognition/create-recogniser';
import type { KeywordEvent, RecognitionEvent } from '../../src/recognition/recogniser';
import { UtteranceEndGate } from '../../src/recognition/utterance-end-gate';
import { addNoise, synthesise, toChunks, type SpeechPart } from '../support/speech';

const RULES = commandRules({ snapshot: 'snapshot', reply: 'reply', cancel: 'cancel', stop: 'stop' });

async function keywordsOf(parts: SpeechPart[], voice = 'slt'): Promise<{ events: KeywordEvent[]; gate: UtteranceEndGate; truth: { text: string; start: number; end: number }[] }> {
  const speech = await synthesise(parts, { engine: 'flite', voice });
  // The gate itself, over the engine (the service's recogniser wraps it further in the microphone cleaner).
  const rec = new UtteranceEndGate(createEngine({ engine: 'pocketsphinx' }, RULES, { transcribe: false }), RULES.words.reply, RULES.replyGapSeconds);
  const events: RecognitionEvent[] = [];
  for (const c of toChunks(addNoise(speech.pcm, -55))) events.push(...rec.accept(c));
  events.push(...rec.flush());
  rec.close();
  return { events: events.filter((e): e is KeywordEvent => e.type === 'keyword'), gate: rec, truth: speech.words };
}

describe('"reply" counts only at the end of an utterance (PocketSphinx on flite speech)', () => {
  it('ignores "reply" followed by more of the question after a short pause, sends at the real end', async () => {
    const { events, gate, truth } = await keywordsOf([
      { silence: 0.5 },
      { text: 'please draft a' },
      { silence: 0.1 },
      { text: 'reply' },
      { silence: 0.35 },
      { text: 'to anna about the picture' },
      { silence: 1.0 },
      { text: 'reply' },
      { silence: 1.5 },
    ]);
    const replies = events.filter((e) => e.word === 'reply');
    const lastTruth = truth[truth.length - 1]!;
    expect(replies).toHaveLength(1);
    expect(Math.abs(replies[0]!.start - lastTruth.start)).toBeLessThan(0.2);
    // Held back for the configured gap after the word, not longer.
    expect(replies[0]!.detectedAt).toBeGreaterThanOrEqual(replies[0]!.end + RULES.replyGapSeconds - 1e-9);
    expect(replies[0]!.detectedAt).toBeLessThan(lastTruth.end + RULES.replyGapSeconds + 0.3);
    // The engine did hear the first one (a real pause followed it): the gate is what dropped it.
    expect(gate.droppedMidUtterance).toBe(1);
  }, 30_000);

  it('lets snapshots through at once and a reply at the very end of the input count', async () => {
    const { events } = await keywordsOf([{ silence: 0.5 }, { text: 'what is this' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.5 }, { text: 'reply' }, { silence: 0.3 }]);
    expect(events.map((e) => e.word)).toEqual(['snapshot', 'reply']);
    const snap = events[0]!;
    expect(snap.detectedAt - snap.end).toBeLessThan(0.4);
  }, 30_000);
});

describe('UtteranceEndGate timing across chunk-clock gaps', () => {
  it('judges speech after the word on the chunks\' own clock', () => {
    const loud = Buffer.alloc(1600 * 2);
    for (let i = 0; i < 1600; i++) loud.writeInt16LE(i % 20 < 10 ? 8000 : -8000, i * 2);
    const quiet = Buffer.alloc(1600 * 2);
    let calls = 0;
    const reply: KeywordEvent = { type: 'keyword', word: 'reply', start: 100.0, end: 100.4, detectedAt: 100.5 };
    const gate = new UtteranceEndGate(
      { accept: () => (++calls === 6 ? [reply] : []), flush: () => [], close: () => undefined },
      'reply',
      0.8,
    );
    const out: RecognitionEvent[] = [];
    // The stream starts at t = 99.9 (after a gap in capture): speech until 100.4, then quiet.
    for (let i = 0; i < 20; i++) out.push(...gate.accept({ pcm: i < 5 ? loud : quiet, t: 99.9 + i * 0.1 }));
    expect(out).toEqual([{ ...reply, detectedAt: 101.2 }]);
  });
});
