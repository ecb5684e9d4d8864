import { BYTES_PER_SAMPLE, SAMPLE_RATE } from '../../audio/audio-source';
import { noiseSuppressionOf, type RecogniserSettings } from '../recogniser-settings';
import { CleanedRecogniser } from '../cleaned-recogniser';
import type { Recogniser } from '../recogniser';
import { KeywordDetector } from '../detector/keyword-detector';
import type { KeywordHeads } from '../detector/keyword-head';
import type { EmbeddingModels } from '../detector/speech-embedding';

/** One step of the detector: the end of its window (seconds from the start of the recording it fell in) and its hidden layer. */
export interface HeardStep {
  end: number;
  hidden: Float32Array;
}

/** 0.1 s chunks, as the microphone delivers them. */
const CHUNK_BYTES = (SAMPLE_RATE / 10) * BYTES_PER_SAMPLE;

/**
 * The detector's hidden-layer vectors for recordings heard one after another, as the service hears them: one
 * stream, the configured cleaner in front (noise suppression once the room is noisy). Steps go to the
 * recording their window ends in, timed from its start.
 */
export function hearSteps(heads: KeywordHeads, c: RecogniserSettings, recordings: Int16Array[], models?: EmbeddingModels): HeardStep[][] {
  const detector = new KeywordDetector({ keywords: [...heads.words], heads, ...(models ? { models } : {}) });
  const steps: Array<{ end: number; hidden: Float32Array }> = [];
  detector.onScores = (s) => steps.push({ end: s.end, hidden: s.hidden });
  // The cleaner always, as in the service (its echo canceller is there): the same delay, so the same embedding steps.
  const rec: Recogniser = new CleanedRecogniser(detector, noiseSuppressionOf(c));
  const starts: number[] = [];
  let t = 0;
  try {
    for (const samples of recordings) {
      starts.push(t);
      const pcm = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
      for (let off = 0; off < pcm.length; off += CHUNK_BYTES) rec.accept({ pcm: pcm.subarray(off, off + CHUNK_BYTES), t: t + off / (SAMPLE_RATE * BYTES_PER_SAMPLE) });
      t += samples.length / SAMPLE_RATE;
    }
    // The cleaner holds a few frames back: a little silence lets the last recording's end through.
    rec.accept({ pcm: Buffer.alloc(CHUNK_BYTES), t });
  } finally {
    rec.close();
  }
  starts.push(Infinity);
  return recordings.map((_, i) => steps.filter((s) => s.end > starts[i]! && s.end <= starts[i + 1]!).map((s) => ({ end: s.end - starts[i]!, hidden: s.hidden })));
}
