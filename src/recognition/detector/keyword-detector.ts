import type { AudioChunk } from '../../audio/audio-source';
import { SAMPLE_RATE } from '../../audio/audio-source';
import type { KeywordEvent, Recogniser, RecognitionEvent } from '../recogniser';
import { RecogniserError } from '../recogniser';
import { KeywordHead, KEYWORD_HEADS_DIR } from './keyword-head';
import { EmbeddingModels, SpeechEmbeddingStream, type Embedding } from './speech-embedding';

export interface KeywordDetectorOptions {
  /** The words to spot; each needs a trained head in `headsDir`. */
  keywords: string[];
  headsDir?: string;
  /** Per-word score thresholds over the heads' own (calibration writes these). */
  thresholds?: Record<string, number>;
  /** Shared feature models (one copy per process is enough). */
  models?: EmbeddingModels;
}

/** After a word is heard, the same word is not heard again for this long (one word spans several windows). */
export const REFRACTORY_SECONDS = 0.8;

/** One scored step, for calibration and benchmarks: every head's score at the end of a window. */
export interface StepScores {
  end: number;
  scores: Record<string, number>;
}

/**
 * Command words spotted by small learned heads over openWakeWord's speech embedding: an engine that returns
 * scores, with a simple policy on top (a word counts when its score crosses its threshold, once per
 * refractory period). It transcribes nothing; the word's start comes from the head's own read-out.
 */
export class KeywordDetector implements Recogniser {
  private readonly models: EmbeddingModels;
  private readonly ownModels: boolean;
  private readonly stream: SpeechEmbeddingStream;
  private readonly heads: KeywordHead[];
  private readonly thresholds: number[];
  private readonly history: Float32Array[] = [];
  private readonly maxWindow: number;
  private readonly lastHeard: number[];
  /** Set to receive every step's scores. */
  onScores: ((s: StepScores) => void) | undefined;

  constructor(o: KeywordDetectorOptions) {
    const dir = o.headsDir ?? KEYWORD_HEADS_DIR;
    this.heads = o.keywords.map((w) => {
      const head = KeywordHead.find(w, dir);
      if (!head) throw new RecogniserError(`no trained detector for "${w}" in ${dir}: train one with make train-keywords WORDS=${w}, or use recogniser.engine "pocketsphinx"`);
      return head;
    });
    this.thresholds = this.heads.map((h) => o.thresholds?.[h.word] ?? h.threshold);
    this.maxWindow = Math.max(...this.heads.map((h) => h.window));
    this.lastHeard = this.heads.map(() => -Infinity);
    this.ownModels = !o.models;
    this.models = o.models ?? new EmbeddingModels();
    this.stream = new SpeechEmbeddingStream(this.models);
  }

  accept(chunk: AudioChunk): RecognitionEvent[] {
    const pcm = chunk.pcm;
    const samples = new Int16Array(pcm.length >> 1);
    for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2);
    const out: RecognitionEvent[] = [];
    for (const e of this.stream.push(samples, chunk.t)) {
      const k = this.step(e);
      if (k) out.push(k);
    }
    return out;
  }

  flush(): RecognitionEvent[] {
    return [];
  }

  close(): void {
    if (this.ownModels) this.models.close();
  }

  /** One embedding in: at most one word out (the one most over its threshold). */
  private step(e: Embedding): KeywordEvent | undefined {
    this.history.push(e.vector);
    if (this.history.length > this.maxWindow) this.history.shift();
    let best: { i: number; margin: number; sinceStart: number } | undefined;
    const scores: Record<string, number> = {};
    this.heads.forEach((head, i) => {
      const s = head.score(this.history);
      scores[head.word] = s.score;
      const margin = s.score - this.thresholds[i]!;
      if (margin >= 0 && e.end - this.lastHeard[i]! >= REFRACTORY_SECONDS && (!best || margin > best.margin)) best = { i, margin, sinceStart: s.sinceStart };
    });
    this.onScores?.({ end: e.end, scores });
    if (!best) return undefined;
    const { i, sinceStart } = best;
    this.lastHeard[i] = e.end;
    // The read-out is trained against the word's start; it is clamped to the samples the head has heard.
    const start = Math.max(e.end - sinceStart, e.end - (this.heads[i]!.window * 1280) / SAMPLE_RATE);
    return { type: 'keyword', word: this.heads[i]!.word, start, end: e.end, detectedAt: e.end };
  }
}
