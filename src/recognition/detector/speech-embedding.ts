import { join } from 'node:path';
import { SAMPLE_RATE } from '../../audio/audio-source';
import { OnnxModel } from './onnx-model';

/**
 * openWakeWord's shared front end: a log-mel spectrogram (32 bands, 10 ms hop, 40 ms window) and Google's
 * speech embedding over 76 mel frames (0.775 s), one 96-value embedding every 80 ms. The embedding was
 * trained on a large amount of real speech; the keyword heads on top of it are small.
 */
export const EMBEDDING_SIZE = 96;
/** Audio per step: 80 ms, one embedding. */
export const STEP_SAMPLES = 1280;
export const STEP_SECONDS = STEP_SAMPLES / SAMPLE_RATE;
const MEL_BANDS = 32;
const MEL_HOP = 160;
/** The mel model's window is 640 samples: 480 of the previous step are needed to frame the next 8. */
const MEL_CONTEXT = 480;
const MEL_PER_STEP = STEP_SAMPLES / MEL_HOP;
const EMBED_FRAMES = 76;

export const OPENWAKEWORD_ASSETS = join(__dirname, '..', '..', '..', '..', 'assets', 'openwakeword');

/** One embedding and the time, seconds on the audio clock, at which the audio it covers ends. */
export interface Embedding {
  vector: Float32Array;
  end: number;
}

/** The two models, loaded once and shared by every stream (they hold no state). */
export class EmbeddingModels {
  readonly mel: OnnxModel;
  readonly embed: OnnxModel;
  constructor(dir = OPENWAKEWORD_ASSETS) {
    this.mel = new OnnxModel(join(dir, 'melspectrogram.onnx'));
    this.embed = new OnnxModel(join(dir, 'embedding_model.onnx'));
  }
  close(): void {
    this.mel.close();
    this.embed.close();
  }
}

/**
 * The embeddings of one audio stream, computed as the audio arrives. Chunks of any size go in; every
 * 80 ms of audio gives one embedding once 0.775 s is known. The first sample heard is at `t0`.
 */
export class SpeechEmbeddingStream {
  /** Samples not yet framed, int16 values as floats (the scale openWakeWord's mel model expects). */
  private pending: Float32Array;
  private pendingLength: number;
  /** The last EMBED_FRAMES mel frames, MEL_BANDS each. */
  private readonly mel = new Float32Array(EMBED_FRAMES * MEL_BANDS);
  private melCount = 0;
  /** Samples framed so far (steps x STEP_SAMPLES). */
  private framed = 0;
  private t0: number | undefined;
  /** The dither's generator (xorshift32): the same stream of audio gives the same embeddings. */
  private seed = 0x9e3779b9 | 0;

  constructor(private readonly models: EmbeddingModels) {
    // The stream starts with the mel context as silence, so the first step frames from its first sample.
    this.pending = new Float32Array(MEL_CONTEXT + STEP_SAMPLES * 4);
    this.pendingLength = MEL_CONTEXT;
  }

  /** Feeds 16 kHz mono samples (int16 values) whose first sample is at `t`; returns the embeddings completed. */
  push(samples: Int16Array | Float32Array, t: number): Embedding[] {
    this.t0 ??= t;
    this.append(samples);
    const out: Embedding[] = [];
    while (this.pendingLength >= MEL_CONTEXT + STEP_SAMPLES) {
      const e = this.step();
      if (e) out.push(e);
    }
    return out;
  }

  private append(samples: Int16Array | Float32Array): void {
    const need = this.pendingLength + samples.length;
    if (need > this.pending.length) {
      const grown = new Float32Array(Math.max(need, this.pending.length * 2));
      grown.set(this.pending.subarray(0, this.pendingLength));
      this.pending = grown;
    }
    // Triangular dither of one step: a real converter is never exactly silent, and the mel model reads digital
    // silence as -100 dB where its quietest real input reads about +3 (RNNoise and synthetic audio give zeros).
    for (let i = 0; i < samples.length; i++) {
      this.seed ^= this.seed << 13;
      this.seed ^= this.seed >>> 17;
      this.seed ^= this.seed << 5;
      const a = (this.seed >>> 0) / 0x100000000;
      this.seed ^= this.seed << 13;
      this.seed ^= this.seed >>> 17;
      this.seed ^= this.seed << 5;
      this.pending[this.pendingLength + i] = samples[i]! + a - (this.seed >>> 0) / 0x100000000;
    }
    this.pendingLength = need;
  }

  /** Frames one 80 ms step; an embedding once enough mel frames are known. */
  private step(): Embedding | undefined {
    const span = MEL_CONTEXT + STEP_SAMPLES;
    const input = this.pending.slice(0, span);
    const spec = this.models.mel.run1({ input: { data: input, dims: [1, span] } }).data;
    // openWakeWord's scaling of the mel model's output.
    this.mel.copyWithin(0, MEL_PER_STEP * MEL_BANDS);
    const base = (EMBED_FRAMES - MEL_PER_STEP) * MEL_BANDS;
    for (let i = 0; i < MEL_PER_STEP * MEL_BANDS; i++) this.mel[base + i] = spec[i]! / 10 + 2;
    this.melCount += MEL_PER_STEP;
    this.pending.copyWithin(0, STEP_SAMPLES, this.pendingLength);
    this.pendingLength -= STEP_SAMPLES;
    this.framed += STEP_SAMPLES;
    if (this.melCount < EMBED_FRAMES) return undefined;
    const vector = Float32Array.from(this.models.embed.run1({ input_1: { data: this.mel, dims: [1, EMBED_FRAMES, MEL_BANDS, 1] } }).data);
    // The last mel frame ends 160 samples after its start: the framed samples' end.
    return { vector, end: this.t0! + this.framed / SAMPLE_RATE };
  }
}

/** The embeddings of a whole recording heard from time 0 (for training and benchmarks). */
export function embedRecording(models: EmbeddingModels, samples: Int16Array | Float32Array): Embedding[] {
  return new SpeechEmbeddingStream(models).push(samples, 0);
}
