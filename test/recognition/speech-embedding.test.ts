import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxModel } from '../../src/recognition/detector/onnx-model';
import { EmbeddingModels, EMBEDDING_SIZE, embedRecording, OPENWAKEWORD_ASSETS, SpeechEmbeddingStream, STEP_SECONDS } from '../../src/recognition/detector/speech-embedding';
import { RecogniserError } from '../../src/recognition/recogniser';
import { synthesise } from '../support/speech';

/** The feature models are openWakeWord v0.5.1's release assets, unchanged (README states their licences). */
const SHA256: Record<string, string> = {
  'melspectrogram.onnx': 'ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f',
  'embedding_model.onnx': '70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f',
};

describe('speech embedding', () => {
  let models: EmbeddingModels;
  beforeAll(() => {
    models = new EmbeddingModels();
  });
  afterAll(() => models.close());

  it('ships the feature models unchanged', () => {
    for (const [file, sha] of Object.entries(SHA256)) {
      expect(createHash('sha256').update(readFileSync(join(OPENWAKEWORD_ASSETS, file))).digest('hex')).toBe(sha);
    }
  });

  it('gives the same embeddings, at the same times, whatever the chunking, digital silence included', async () => {
    const s = await synthesise([{ silence: 0.6 }, { text: 'take a snapshot of this' }, { silence: 0.5 }], { engine: 'flite', voice: 'slt' });
    const samples = new Int16Array(s.pcm.buffer.slice(s.pcm.byteOffset, s.pcm.byteOffset + s.pcm.length));
    const whole = embedRecording(models, samples);
    // One embedding per 80 ms once 0.8 s is heard.
    expect(whole.length).toBe(Math.floor(samples.length / 1280) - 9);
    expect(whole[0]!.end).toBeCloseTo(10 * STEP_SECONDS, 9);
    for (const chunk of [160, 1000, 4000]) {
      const stream = new SpeechEmbeddingStream(models);
      const got = [];
      for (let off = 0; off < samples.length; off += chunk) got.push(...stream.push(samples.subarray(off, off + chunk), 5 + off / 16000));
      expect(got.length).toBe(whole.length);
      got.forEach((e, i) => {
        expect(e.end).toBeCloseTo(5 + whole[i]!.end, 9);
        expect(e.vector.length).toBe(EMBEDDING_SIZE);
        expect(Array.from(e.vector)).toEqual(Array.from(whole[i]!.vector));
      });
    }
    // Speech reads differently from silence (the models ran, and on the audio given).
    const spread = (i: number, j: number) => whole[i]!.vector.reduce((a, v, d) => a + Math.abs(v - whole[j]!.vector[d]!), 0);
    expect(spread(0, Math.floor(whole.length / 2))).toBeGreaterThan(10);
  });

  it('names a missing model file and how to get it back', () => {
    expect(() => new OnnxModel('/nonexistent/melspectrogram.onnx')).toThrow(RecogniserError);
    expect(() => new OnnxModel('/nonexistent/melspectrogram.onnx')).toThrow(/model file not found: \/nonexistent\/melspectrogram.onnx/);
  });
});
