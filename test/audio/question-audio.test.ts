import { QuestionAudio } from '../../src/audio/question-audio';
import { resamplePcm } from '../../src/audio/resample';

const chunk = (t: number, seconds: number, value: number) => {
  const pcm = Buffer.alloc(Math.round(seconds * 16000) * 2);
  for (let i = 0; i < pcm.length; i += 2) pcm.writeInt16LE(value, i);
  return { pcm, t };
};

describe('QuestionAudio', () => {
  it('gives the audio of [from, to) and forgets everything before to', () => {
    const q = new QuestionAudio();
    for (let i = 0; i < 30; i++) q.push(chunk(i * 0.1, 0.1, i));
    const pcm = q.take(0.55, 1.0);
    expect(pcm.length / 2).toBe(0.45 * 16000);
    expect(pcm.readInt16LE(0)).toBe(5);
    expect(pcm.readInt16LE(pcm.length - 2)).toBe(9);
    expect(q.seconds).toBeCloseTo(2.0, 5);
    expect(q.take(0, 1.0).length).toBe(0);
  });

  it('stays bounded over hours of audio nobody asked about', () => {
    const q = new QuestionAudio(10);
    for (let i = 0; i < 36_000; i++) q.push(chunk(i * 0.1, 0.1, 0)); // an hour
    expect(q.seconds).toBeLessThanOrEqual(10);
    expect(q.take(3599, 3600).length / 2).toBe(16000);
  });
});

describe('resamplePcm', () => {
  it('keeps a tone a tone at the new rate (22.05 kHz to 24 kHz)', () => {
    const n = 22050;
    const pcm = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) pcm.writeInt16LE(Math.round(10000 * Math.sin((2 * Math.PI * 440 * i) / 22050)), i * 2);
    const out = resamplePcm(pcm, 22050, 24000);
    expect(out.length / 2).toBe(24000);
    // Zero crossings per second stay 2 x 440.
    let crossings = 0;
    for (let i = 1; i < 24000; i++) if ((out.readInt16LE((i - 1) * 2) < 0) !== (out.readInt16LE(i * 2) < 0)) crossings++;
    expect(Math.abs(crossings - 880)).toBeLessThanOrEqual(2);
  });
});
