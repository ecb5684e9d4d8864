import { ClipMonitor } from '../../src/audio/clip-monitor';
import { createRecogniser } from '../../src/recognition/create-recogniser';
import type { RecognitionEvent } from '../../src/recognition/recogniser';
import { synthesise, toChunks } from '../support/speech';
import { RULES } from '../support/recognise';


/** A microphone gain set far too high: the speech hits full scale and is flattened. */
function clip(pcm: Buffer, gain: number): { pcm: Buffer; clippedShare: number } {
  const out = Buffer.alloc(pcm.length);
  let clipped = 0;
  for (let i = 0; i < pcm.length; i += 2) {
    const v = pcm.readInt16LE(i) * gain;
    if (Math.abs(v) >= 32767) clipped++;
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), i);
  }
  return { pcm: out, clippedShare: clipped / (pcm.length / 2) };
}

describe('clipped speech', () => {
  it.each([4, 8])('still hears the command words at gain x%d, at their times', async (gain) => {
    const speech = await synthesise(
      [{ silence: 0.5 }, { text: 'what is this' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.4 }, { text: 'is it ripe' }, { silence: 0.9 }, { text: 'reply' }, { silence: 1.5 }],
      { engine: 'flite', voice: 'rms' },
    );
    const { pcm, clippedShare } = clip(speech.pcm, gain);
    expect(clippedShare).toBeGreaterThan(0.001); // really clipped
    const rec = createRecogniser({ engine: 'pocketsphinx' }, RULES, { transcribe: false });
    const events: RecognitionEvent[] = [];
    for (const c of toChunks(pcm)) events.push(...rec.accept(c));
    events.push(...rec.flush());
    rec.close();
    const kws = events.filter((e) => e.type === 'keyword');
    expect(kws.map((k) => k.word)).toEqual(['snapshot', 'reply']);
    const truth = speech.words.filter((w) => w.text === 'snapshot' || w.text === 'reply');
    kws.forEach((k, i) => expect(Math.abs(k.start - truth[i]!.start)).toBeLessThan(0.15));
  }, 30_000);
});

describe('ClipMonitor', () => {
  it('says once, in one line, that the gain is too high; quiet on clean audio', async () => {
    const speech = await synthesise([{ text: 'what is this' }, { silence: 0.3 }, { text: 'snapshot' }], { engine: 'flite', voice: 'rms' });
    const reports: string[] = [];
    const monitor = new ClipMonitor({ windowSeconds: 1, quietSeconds: 60, onClipping: (m) => reports.push(m) });
    for (let r = 0; r < 10; r++) for (const c of toChunks(speech.pcm)) monitor.push(c);
    expect(reports).toEqual([]);
    const { pcm } = clip(speech.pcm, 8);
    for (let r = 0; r < 10; r++) for (const c of toChunks(pcm)) monitor.push(c);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^microphone input is clipping \([\d.]+ % of samples at full scale\): lower the capture gain \(alsamixer\)$/);
  });
});
