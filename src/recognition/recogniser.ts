import type { AudioChunk } from '../audio/audio-source';

/** A word with its times, seconds on the audio clock. */
export interface TimedWord {
  word: string;
  start: number;
  end: number;
}

/** A command word heard. `detectedAt` is the audio time at which the engine reported it. */
export interface KeywordEvent extends TimedWord {
  type: 'keyword';
  detectedAt: number;
}

/** Recognised speech of one utterance, with word times. */
export interface TranscriptEvent {
  type: 'transcript';
  text: string;
  words: TimedWord[];
  start: number;
  end: number;
}

export type RecognitionEvent = KeywordEvent | TranscriptEvent;

/**
 * An offline speech recogniser. It consumes audio in order and returns what it
 * recognised so far; `flush` ends the current utterance (end of input) and
 * returns anything still pending. Times are on the clock of the chunks fed in.
 */
export interface Recogniser {
  accept(chunk: AudioChunk): RecognitionEvent[];
  flush(): RecognitionEvent[];
  close(): void;
}

export interface RecogniserOptions {
  /** Command words to spot, lower case ("snapshot", "reply"). */
  keywords: string[];
}

/** A recogniser could not start: a missing model, a missing library. The message names the thing. */
export class RecogniserError extends Error {
  override name = 'RecogniserError';
}
