import { execFileSync } from 'node:child_process';
import type { AudioChunk } from '../../src/audio/audio-source';
import { PlaybackReference } from '../../src/audio/playback-reference';
import { CLEAN_FRAME_SAMPLES, CleanedRecogniser, RNNOISE_ALIGNED_DELAY, type CleaningOptions } from '../../src/recognition/cleaned-recogniser';
import { commandRules } from '../../src/recognition/command-words';
import { createRecogniser } from '../../src/recognition/create-recogniser';
import type { Recogniser, RecognitionEvent } from '../../src/recognition/recogniser';
import { addNoise, synthesise, toChunks } from '../support/speech';
import { keywordsIn } from '../support/recognise';
import { echoGainFor, rms, throughRoom, withVoice } from '../support/room';
import { pinkNoise, withNoise } from '../bench/keywords-corpus';

/** The engine's side of the seam: it keeps what it was fed. */
class Hears implements Recogniser {
  chunks: AudioChunk[] = [];
  accept(c: AudioChunk): RecognitionEvent[] {
    this.chunks.push({ ...c, pcm: Buffer.from(c.pcm) });
    return [];
  }
  flush(): RecognitionEvent[] {
    return [];
  }
  close(): void {}
}

const power = (pcm: Buffer): number => rms(pcm) ** 2;

describe('CleanedRecogniser (speexdsp and RNNoise in front of the engine)', () => {
  const passesThrough = (o: CleaningOptions, delaySamples: number) => () => {
    const inner = new Hears();
    const rec = new CleanedRecogniser(inner, o);
    const quiet = addNoise(Buffer.alloc(16000 * 2 * 3), -70, 3); // three seconds of a quiet room
    const sizes = [1600, 1000, 1600, 333 * 2, 1600];
    let off = 0;
    let t = 5;
    const fed: AudioChunk[] = [];
    for (let k = 0; off < quiet.length; k++) {
      const n = Math.min(sizes[k % sizes.length]!, (quiet.length - off) >> 1);
      const c = { pcm: quiet.subarray(off, off + n * 2), t };
      fed.push(c);
      rec.accept(c);
      off += n * 2;
      t += n / 16000;
    }
    rec.close();
    expect(inner.chunks.map((c) => c.pcm.length)).toEqual(fed.map((c) => c.pcm.length));
    inner.chunks.forEach((c, i) => expect(c.t).toBeCloseTo(fed[i]!.t - delaySamples / 16000, 9));
    // Quiet: no suppression, the same samples exactly as late as the times say.
    expect(inner.chunks.some((c) => c.denoised)).toBe(false);
    const out = Buffer.concat(inner.chunks.map((c) => c.pcm));
    expect(out.subarray(delaySamples * 2).equals(quiet.subarray(0, quiet.length - delaySamples * 2))).toBe(true);
  };
  it(
    'passes every chunk on with its length, its time moved back by the frame it holds and RNNoise\'s delay (whole 10 ms frames), and a quiet room untouched',
    passesThrough({}, CLEAN_FRAME_SAMPLES + RNNOISE_ALIGNED_DELAY),
  );
  it('with speexdsp as the suppressor, by the one frame it holds', passesThrough({ suppressor: 'speex', suppressDb: -10 }, CLEAN_FRAME_SAMPLES));

  it.each(['rnnoise', 'speex'] as const)('suppresses the noise of a noisy room (%s)', (suppressor) => {
    const inner = new Hears();
    const rec = new CleanedRecogniser(inner, { suppressor, suppressDb: -10 });
    const noise = execFileSync('sox', ['-q', '-R', '-n', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-', 'synth', '4', 'pinknoise', 'gain', '-25']);
    for (const c of toChunks(noise)) rec.accept(c);
    rec.close();
    const out = Buffer.concat(inner.chunks.map((c) => c.pcm));
    const half = noise.length / 2;
    expect(10 * Math.log10(power(out.subarray(half)) / power(noise.subarray(half - 640)))).toBeLessThan(-5);
    // The engine is told the room is noisy, though what it hears may not show it.
    expect(inner.chunks.slice(-10).every((c) => c.denoised === true)).toBe(true);
    // Beside it, the microphone's audio at the same times, for an engine trained on the room as it is.
    for (const c of inner.chunks.slice(-10)) {
      const at = Math.round(c.t * 16000) * 2;
      expect(c.undenoised!.equals(noise.subarray(at, at + c.pcm.length))).toBe(true);
    }
  });

  it('with no suppressor, hands a noisy room on as the microphone heard it (the learned heads were trained on that)', () => {
    const inner = new Hears();
    const rec = new CleanedRecogniser(inner, { suppressor: 'none', suppressDb: -10 });
    const noise = execFileSync('sox', ['-q', '-R', '-n', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-', 'synth', '4', 'pinknoise', 'gain', '-25']);
    for (const c of toChunks(noise)) rec.accept(c);
    rec.close();
    const out = Buffer.concat(inner.chunks.map((c) => c.pcm));
    expect(out.subarray(CLEAN_FRAME_SAMPLES * 2).equals(noise.subarray(0, noise.length - CLEAN_FRAME_SAMPLES * 2))).toBe(true);
    expect(inner.chunks.some((c) => c.denoised)).toBe(false);
  });

  it('"stop" said over the appliance\'s own answer is heard with the echo cancelled, and not without', async () => {
    const rules = commandRules({ snapshot: 'snapshot', reply: 'reply', cancel: 'cancel', stop: 'stop' });
    const answer = await synthesise(
      ['the shop sells stock pots and the weather is fine today in the city', 'we went for a long walk by the river and then home again', 'a spot of rain fell on the step and the bus stops at the top of the hill'].map((text) => ({ text })),
      { engine: 'espeak-ng', voice: 'en-us' },
    );
    const stop = await synthesise([{ text: 'stop' }], { engine: 'flite', voice: 'rms' });
    // The answer played twice, a second apart (the canceller keeps its filter from one answer to the next,
    // as in the service); the user says "stop" six seconds into the second, as loud as the echo.
    const second = answer.duration + 1;
    const played = Buffer.concat([answer.pcm, Buffer.alloc(16000 * 2), answer.pcm]);
    const at = second + 6;
    const heard = withVoice(throughRoom(played, undefined, echoGainFor(answer.pcm, 0)), stop.pcm, at);
    const stopsHeard = (echo?: PlaybackReference): number[] =>
      keywordsIn(createRecogniser({ engine: 'pocketsphinx' }, rules, { transcribe: false, ...(echo ? { echo } : {}) }), heard).map((e) => e.start);
    const echo = new PlaybackReference(0.03); // the room's latency is 45 ms: the model errs low, as configured
    echo.append(answer.pcm, 0);
    echo.append(answer.pcm, second);
    const withAec = stopsHeard(echo);
    expect(withAec).toHaveLength(1); // no command word in the answer's own words ("shop", "stops"...)
    expect(withAec[0]!).toBeGreaterThan(at - 0.1);
    expect(withAec[0]!).toBeLessThan(at + 0.3);
    expect(stopsHeard()).toEqual([]);
  });
});

describe('noise suppression for the recogniser (PocketSphinx on flite speech in pink noise at 10 dB SNR)', () => {
  const VOICES = ['kal', 'awb', 'rms', 'slt'];
  const rules = commandRules({ snapshot: 'snapshot', reply: 'reply', cancel: 'cancel', stop: 'stop' });
  let said: Array<{ pcm: Buffer; truth: number[] }>;

  beforeAll(async () => {
    const noise = pinkNoise();
    said = [];
    for (const [i, voice] of VOICES.entries()) {
      const s = await synthesise(
        [{ silence: 1.5 }, { text: 'the kettle is on the left' }, { silence: 0.4 }, { text: 'snapshot' }, { silence: 0.5 }, { text: 'and the cups are above it' }, { silence: 0.6 }, { text: 'snapshot' }, { silence: 1 }],
        { engine: 'flite', voice },
      );
      const spans = s.words.map((w): [number, number] => [w.start, w.end]);
      said.push({ pcm: withNoise({ pcm: s.pcm, spans }, noise, 10, 11 + 2.3 * i), truth: s.words.filter((w) => w.text === 'snapshot').map((w) => w.start) });
    }
  });

  /** Snapshots heard through the service's recogniser, and how far each lies from the word's true start (s). */
  const heard = (suppressor: 'rnnoise' | 'speex'): number[] =>
    said.flatMap(({ pcm, truth }) => {
      const starts = keywordsIn(createRecogniser({ engine: 'pocketsphinx', noiseSuppressor: suppressor }, rules, { transcribe: false }), pcm)
        .filter((e) => e.word === 'snapshot')
        .map((e) => e.start);
      return truth.flatMap((t) => starts.filter((s) => s > t - 0.3 && s < t + 0.5).map((s) => s - t));
    });

  it('RNNoise lets it hear the snapshots speexdsp loses, at the time they were said', () => {
    const rnnoise = heard('rnnoise');
    const speex = heard('speex');
    // Measured: RNNoise 8 of 8; speexdsp 6 of 8 since the engine reads the analysis's floor, known after 0.5 s
    // (1 of 8 while its own floor took a second to know, and speexdsp's residual noise counted as speech until then).
    expect(rnnoise.length).toBeGreaterThanOrEqual(7);
    expect(speex.length).toBeLessThan(rnnoise.length);
    // Word times stay on the microphone's clock through the cleaner's delay.
    for (const off of rnnoise) expect(Math.abs(off)).toBeLessThan(0.08);
  });
});
