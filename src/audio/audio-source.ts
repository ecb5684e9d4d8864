import type { ChunkAnalysis } from './audio-analysis';
/** 16 kHz, signed 16-bit little-endian, mono: what every recogniser here takes. */
export const SAMPLE_RATE = 16000;
export const BYTES_PER_SAMPLE = 2;

export interface AudioChunk {
  /** Raw S16_LE mono PCM at SAMPLE_RATE. */
  pcm: Buffer;
  /** Capture time of the chunk's first sample, seconds on the shared clock. */
  t: number;
  /**
   * Set by a cleaner that suppressed the room's noise in this chunk: the room is noisy though the audio may
   * no longer show it (RNNoise leaves digital silence between words), for rules that differ in noise.
   */
  denoised?: boolean;
  /** With `denoised`: the same audio before noise suppression, for an engine trained on the room as it is. */
  undenoised?: Buffer;
  /** The level analysis of this audio, by whoever analysed it first (AudioAnalysis); parts downstream read it rather than measure again. */
  analysis?: ChunkAnalysis;
}

/**
 * A source of microphone audio. Chunks arrive in order and without gaps; the
 * iterator ends when the source is exhausted (a file) or stopped.
 */
export interface AudioSource extends AsyncIterable<AudioChunk> {
  stop(): void;
}

export function samplesIn(pcm: Buffer): number {
  return pcm.length / BYTES_PER_SAMPLE;
}
