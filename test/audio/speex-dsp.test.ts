import { execFileSync } from 'node:child_process';
import { EchoCanceller, NoiseSuppressor } from '../../src/audio/speex-dsp';
import { synthesise } from '../support/speech';
import { throughRoom } from '../support/room';

const F = 320;

function frames(pcm: Buffer): Int16Array[] {
  const out: Int16Array[] = [];
  for (let off = 0; off + F * 2 <= pcm.length; off += F * 2) {
    const f = new Int16Array(F);
    for (let i = 0; i < F; i++) f[i] = pcm.readInt16LE(off + i * 2);
    out.push(f);
  }
  return out;
}

const power = (fs: Int16Array[]): number => fs.reduce((s, f) => s + f.reduce((a, v) => a + v * v, 0), 0) / Math.max(1, fs.length * F);
const db = (ratio: number): number => 10 * Math.log10(ratio);

describe('speexdsp (the real libspeexdsp)', () => {
  it('the noise suppressor takes pink noise down by about its configured attenuation once it has learnt it', () => {
    const noise = execFileSync('sox', ['-q', '-n', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-', 'synth', '4', 'pinknoise', 'gain', '-20']);
    const ns = new NoiseSuppressor({ sampleRate: 16000, frameSamples: F, suppressDb: -10 });
    const input = frames(noise);
    const output = input.map((f) => {
      const g = f.slice();
      ns.run(g);
      return g;
    });
    ns.close();
    const late = (fs: Int16Array[]) => fs.slice(fs.length / 2); // after two seconds of learning
    const drop = db(power(late(output)) / power(late(input)));
    expect(drop).toBeLessThan(-6);
    expect(drop).toBeGreaterThan(-16);
  });

  it('the echo canceller takes a spoken answer heard through a room down by more than 15 dB once converged (the residual suppressor takes it further)', async () => {
    const answer = await synthesise(
      [{ text: 'the shop sells stock pots and the weather is fine today in the city' }, { text: 'we went for a long walk by the river and then home again' }],
      { engine: 'espeak-ng', voice: 'en-us' },
    );
    const mic = frames(throughRoom(answer.pcm));
    const played = frames(answer.pcm);
    const aec = new EchoCanceller({ sampleRate: 16000, frameSamples: F, tailSamples: 4000 });
    const out = mic.map((m, k) => {
      const o = new Int16Array(F);
      aec.cancel(m, played[k]!, o);
      return o;
    });
    aec.close();
    const from = Math.floor((4 * 16000) / F); // after four seconds
    expect(db(power(out.slice(from)) / power(mic.slice(from)))).toBeLessThan(-15);
  });

  it('refuses a frame of the wrong size, and use after close', () => {
    const ns = new NoiseSuppressor({ sampleRate: 16000, frameSamples: F });
    expect(() => ns.run(new Int16Array(100))).toThrow('frame must hold 320 samples, got 100');
    ns.close();
    expect(() => ns.run(new Int16Array(F))).toThrow('used after close');
    const aec = new EchoCanceller({ sampleRate: 16000, frameSamples: F, tailSamples: 1600 });
    expect(() => aec.cancel(new Int16Array(F), new Int16Array(10), new Int16Array(F))).toThrow('frames must hold 320 samples');
    aec.close();
  });
});
