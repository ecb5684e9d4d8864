import type { AudioChunk } from '../../audio/audio-source';
import { SAMPLE_RATE } from '../../audio/audio-source';
import type { KeywordEvent, Recogniser, RecognitionEvent } from '../recogniser';
import { RecogniserError } from '../recogniser';
import { KeywordHeads, KEYWORD_HEADS_DIR } from './keyword-head';
import { AudioAnalysis, analysisOf } from '../../audio/audio-analysis';
import { EmbeddingModels, SpeechEmbeddingStream, type Embedding } from './speech-embedding';
import { wordEnd, wordOnset } from './word-onset';

export interface KeywordDetectorOptions {
  /** The words to spot; each needs a trained head in `headsDir`. */
  keywords: string[];
  headsDir?: string;
  /** Per-word score thresholds over the heads' own (calibration writes these). */
  thresholds?: Record<string, number>;
  /** Shared feature models (one copy per process is enough). */
  models?: EmbeddingModels;
  /** The heads to use, already loaded (a calibration's, see calibration-file.ts); else those in `headsDir`. */
  heads?: KeywordHeads;
}

/** After a word is heard, the same word is not heard again for this long (one word spans several windows). */
export const REFRACTORY_SECONDS = 0.8;

/** One scored step, for calibration and benchmarks: every head's score at the end of a window, and the shared hidden layer. */
export interface StepScores {
  end: number;
  scores: Record<string, number>;
  hidden: Float32Array;
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
  private heads: KeywordHeads;
  private readonly words: string[];
  private thresholds: number[];
  private readonly configured: Record<string, number> | undefined;
  private readonly disposers: Array<() => void> = [];
  private readonly history: Float32Array[] = [];
  private readonly lastHeard: number[];
  /** The analysis of the audio heard (handed on with the chunks, or the detector's own when they come without). */
  private heard?: AudioAnalysis;
  /** Set to receive every step's scores. */
  onScores: ((s: StepScores) => void) | undefined;

  constructor(o: KeywordDetectorOptions) {
    const dir = o.headsDir ?? KEYWORD_HEADS_DIR;
    const heads = o.heads ?? KeywordHeads.load(dir);
    const untrained = o.keywords.filter((w) => !heads?.words.includes(w));
    if (!heads || untrained.length) {
      const all = [...new Set([...(heads?.words ?? []), ...o.keywords])].join(' ');
      throw new RecogniserError(`no trained detector for "${untrained.join('", "')}" in ${dir}: train them with make train-keywords WORDS="${all}", or use recogniser.engine "pocketsphinx"`);
    }
    this.heads = heads;
    this.words = o.keywords;
    this.configured = o.thresholds;
    this.thresholds = this.thresholdsOf(heads);
    this.lastHeard = this.words.map(() => -Infinity);
    this.ownModels = !o.models;
    this.models = o.models ?? new EmbeddingModels();
    this.stream = new SpeechEmbeddingStream(this.models);
  }

  accept(chunk: AudioChunk): RecognitionEvent[] {
    // The heads hear the room as they were trained on it, before any noise suppression; the word's bounds come
    // from the levels of the cleaned audio, where there is one (the pause before a word stands out of the noise).
    const pcm = chunk.undenoised ?? chunk.pcm;
    this.heard = analysisOf(chunk, () => this.heard ?? new AudioAnalysis()).of;
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
    for (const d of this.disposers.splice(0)) d();
    if (this.ownModels) this.models.close();
  }

  /**
   * Runs `heads` from the next window on (a new calibration, made while the service runs). They must read the
   * same embedding the same way (the same hidden layer) and know every word; thresholds set in the configuration
   * still win over theirs.
   */
  useHeads(heads: KeywordHeads): void {
    if (heads.hiddenDigest !== this.heads.hiddenDigest) throw new RecogniserError('these keyword heads have another hidden layer: restart to use them');
    const untrained = this.words.filter((w) => !heads.words.includes(w));
    if (untrained.length) throw new RecogniserError(`these keyword heads do not know "${untrained.join('", "')}"`);
    this.heads = heads;
    this.thresholds = this.thresholdsOf(heads);
  }

  /** Called at close (a watch on the calibration file, say). */
  onClose(dispose: () => void): void {
    this.disposers.push(dispose);
  }

  private thresholdsOf(heads: KeywordHeads): number[] {
    return this.words.map((w) => this.configured?.[w] ?? heads.threshold(w));
  }

  /** The word's start and end on the levels of the audio around the heads' estimate (see word-onset.ts). */
  private bounds(estimate: number, detected: number): { start: number; end: number } {
    const heard = this.heard;
    const floor = heard?.floor ?? -Infinity;
    if (!heard || floor === -Infinity) return { start: estimate, end: detected };
    const levelAt = (t: number) => {
      const f = heard.frameAt(t);
      return f === undefined ? undefined : heard.levelAt(f);
    };
    const start = wordOnset(estimate, detected, floor, levelAt);
    return { start, end: wordEnd(start, detected, floor, levelAt) };
  }

  /** One embedding in: at most one word out (the one most over its threshold). */
  private step(e: Embedding): KeywordEvent | undefined {
    this.history.push(e.vector);
    if (this.history.length > this.heads.window) this.history.shift();
    const scored = this.heads.score(this.history);
    let best: { i: number; margin: number; sinceStart: number } | undefined;
    const scores: Record<string, number> = {};
    this.words.forEach((word, i) => {
      const s = scored[word]!;
      scores[word] = s.score;
      const margin = s.score - this.thresholds[i]!;
      if (margin >= 0 && e.end - this.lastHeard[i]! >= REFRACTORY_SECONDS && (!best || margin > best.margin)) best = { i, margin, sinceStart: s.sinceStart };
    });
    if (this.onScores) this.onScores({ end: e.end, scores, hidden: this.heads.lastHidden() });
    if (!best) return undefined;
    const { i, sinceStart } = best;
    this.lastHeard[i] = e.end;
    // The heads' read-out is trained against the word's start (clamped to the audio they have heard); the end of
    // the pause before the word, where there is one, is sharper.
    const estimate = Math.max(e.end - sinceStart, e.end - (this.heads.window * 1280) / SAMPLE_RATE);
    const { start, end } = this.bounds(estimate, e.end);
    return { type: 'keyword', word: this.words[i]!, start, end, detectedAt: e.end };
  }
}
