import { existsSync, statSync } from 'node:fs';
import type { AudioChunk } from '../audio/audio-source';
import { SAMPLE_RATE, samplesIn } from '../audio/audio-source';
import { loadVosk, type VoskApi, type VoskModelHandle, type VoskRecognizerHandle } from './vosk-binding';
import { parseFinal, parsePartial, type VoskWord } from './vosk-result';
import { RecogniserError, type KeywordEvent, type Recogniser, type RecogniserOptions, type RecognitionEvent, type TimedWord } from './recogniser';
import { SampleClock } from './sample-clock';
import { isFiller, normaliseKeywords, normaliseWord } from './words';

/**
 * Turns Vosk's results into events. Keywords fire from partial results as soon
 * as a command word has kept the same start and end over `stablePartials`
 * consecutive partials (the word is finished, not still growing), so a snapshot
 * does not wait for the end of the utterance; the final result catches any the
 * partials missed. Kept free of the library so it can be tested on Vosk's
 * documented JSON alone.
 */
/** Where a missing model comes from, or what needs none. */
export const VOSK_MODEL_FIX = 'deploy/install.sh downloads it on the device; or set recogniser.engine to "pocketsphinx", which needs no model download';

export class VoskEventTracker {
  private readonly keywords: Set<string>;
  private candidates = new Map<string, { start: number; end: number; seen: number }>();
  private fired: VoskWord[] = [];

  constructor(keywords: readonly string[], private readonly stablePartials = 2) {
    this.keywords = new Set(normaliseKeywords(keywords, (m) => new RecogniserError(m)));
  }

  /** `toClock` maps Vosk's seconds to the audio clock; `detectedAt` is the clock time now. */
  partial(json: string, toClock: (s: number) => number, detectedAt: number): KeywordEvent[] {
    const { words } = parsePartial(json);
    const next = new Map<string, { start: number; end: number; seen: number }>();
    const out: KeywordEvent[] = [];
    words.forEach((w, i) => {
      const word = normaliseWord(w.word);
      if (!this.keywords.has(word) || this.wasFired(word, w)) return;
      const key = `${word}@${i}`;
      const prev = this.candidates.get(key);
      const same = prev && Math.abs(prev.start - w.start) < 0.02 && Math.abs(prev.end - w.end) < 0.02;
      const c = { start: w.start, end: w.end, seen: same ? prev.seen + 1 : 1 };
      next.set(key, c);
      if (c.seen >= this.stablePartials) out.push(this.fire(word, w, toClock, detectedAt));
    });
    this.candidates = next;
    return out;
  }

  final(json: string, toClock: (s: number) => number, detectedAt: number): RecognitionEvent[] {
    const { words } = parseFinal(json);
    const out: RecognitionEvent[] = [];
    for (const w of words) {
      const word = normaliseWord(w.word);
      if (this.keywords.has(word) && !this.wasFired(word, w)) out.push(this.fire(word, w, toClock, detectedAt));
    }
    const spoken: TimedWord[] = words
      .filter((w) => !isFiller(w.word))
      .map((w) => ({ word: normaliseWord(w.word), start: toClock(w.start), end: toClock(w.end) }));
    if (spoken.length) {
      out.push({ type: 'transcript', text: spoken.map((w) => w.word).join(' '), words: spoken, start: spoken[0]!.start, end: spoken[spoken.length - 1]!.end });
    }
    this.candidates.clear();
    this.fired = [];
    return out;
  }

  private wasFired(word: string, w: VoskWord): boolean {
    return this.fired.some((f) => f.word === word && Math.abs(f.start - w.start) < 0.15);
  }

  private fire(word: string, w: VoskWord, toClock: (s: number) => number, detectedAt: number): KeywordEvent {
    this.fired.push({ ...w, word });
    return { type: 'keyword', word, start: toClock(w.start), end: toClock(w.end), detectedAt };
  }
}

export interface VoskOptions extends RecogniserOptions {
  modelDir: string;
  /** libvosk.so to load; found by libvoskCandidates() if unset. */
  libPath?: string;
}

/** Checks a model directory the way a person would want it reported: by path, before the library's own refusal. */
function checkModelDir(dir: string): void {
  if (!existsSync(dir)) throw new RecogniserError(`Vosk model directory not found: ${dir}; ${VOSK_MODEL_FIX}`);
  if (!statSync(dir).isDirectory()) throw new RecogniserError(`Vosk model path is not a directory: ${dir}`);
}

/** The device's recogniser: Vosk, offline, one pass giving keywords (from partials) and transcripts. */
export class VoskRecogniser implements Recogniser {
  private readonly api: VoskApi;
  private model?: VoskModelHandle;
  private rec?: VoskRecognizerHandle;
  private readonly tracker: VoskEventTracker;
  private readonly clock = new SampleClock();

  constructor(o: VoskOptions) {
    this.tracker = new VoskEventTracker(o.keywords);
    checkModelDir(o.modelDir);
    this.api = loadVosk(o.libPath);
    // -3 also silences Kaldi's own ERROR lines on a bad model: the RecogniserError below is the one line that reports it.
    this.api.setLogLevel(-3);
    const model = this.api.modelNew(o.modelDir);
    if (!model) throw new RecogniserError(`Vosk could not load the model in ${o.modelDir} (missing or corrupt files)`);
    this.model = model;
    for (const k of o.keywords) {
      if (this.api.modelFindWord(model, k.toLowerCase()) < 0) {
        this.close();
        throw new RecogniserError(`the command word "${k}" is not in the vocabulary of the Vosk model in ${o.modelDir}`);
      }
    }
    const rec = this.api.recognizerNew(model, SAMPLE_RATE);
    if (!rec) {
      this.close();
      throw new RecogniserError(`Vosk could not create a recogniser for the model in ${o.modelDir}`);
    }
    this.rec = rec;
    this.api.setWords(rec, true);
    this.api.setPartialWords(rec, true);
  }

  accept(chunk: AudioChunk): RecognitionEvent[] {
    const rec = this.requireOpen();
    const n = samplesIn(chunk.pcm);
    this.clock.push(chunk.t, n);
    const now = this.clock.timeAt(this.clock.samples);
    const toClock = (s: number) => this.clock.timeAt(s * SAMPLE_RATE);
    const ended = this.api.acceptWaveform(rec, chunk.pcm);
    if (ended < 0) throw new RecogniserError('Vosk rejected the audio');
    return ended === 1 ? this.tracker.final(this.api.result(rec), toClock, now) : this.tracker.partial(this.api.partialResult(rec), toClock, now);
  }

  flush(): RecognitionEvent[] {
    const rec = this.requireOpen();
    const now = this.clock.timeAt(this.clock.samples);
    return this.tracker.final(this.api.finalResult(rec), (s) => this.clock.timeAt(s * SAMPLE_RATE), now);
  }

  close(): void {
    if (this.rec) this.api.recognizerFree(this.rec);
    if (this.model) this.api.modelFree(this.model);
    this.rec = undefined;
    this.model = undefined;
  }

  private requireOpen(): VoskRecognizerHandle {
    if (!this.rec) throw new RecogniserError('the Vosk recogniser is closed');
    return this.rec;
  }
}
