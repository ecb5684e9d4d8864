import type { AudioChunk } from '../audio/audio-source';
import type { KeywordRole } from './command-words';

/** A word with its times, seconds on the audio clock. */
export interface TimedWord {
  word: string;
  start: number;
  end: number;
}

/**
 * A command word an engine spotted. `detectedAt` is the audio time at which the engine reported it. Engines
 * know words only; what a word does comes at the recogniser boundary (CommandEvent).
 */
export interface KeywordEvent extends TimedWord {
  type: 'keyword';
  detectedAt: number;
}

/**
 * A keyword past the recogniser boundary (createRecogniser's command rules, CommandRoles): `role` is what it
 * does, and the only thing the turn logic, the barge-in gate and the service act on; `word` is what was said,
 * for logs and events.
 */
export interface CommandEvent extends KeywordEvent {
  role: KeywordRole;
}

/** A transcript word; past the recogniser boundary `role` is set when it is a command word (engines leave it out). */
export interface HeardWord extends TimedWord {
  role?: KeywordRole;
}

/** Recognised speech of one utterance, with word times. */
export interface TranscriptEvent {
  type: 'transcript';
  text: string;
  words: HeardWord[];
  start: number;
  end: number;
}

export type RecognitionEvent = KeywordEvent | TranscriptEvent;

/** What the recogniser boundary hands on: commands with their roles, and transcripts whose command words are marked. */
export type CommandRecognitionEvent = CommandEvent | TranscriptEvent;

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

/** A recogniser with the command rules applied (createRecogniser): every keyword it returns carries its role. */
export interface CommandRecogniser extends Recogniser {
  accept(chunk: AudioChunk): CommandRecognitionEvent[];
  flush(): CommandRecognitionEvent[];
}

export interface RecogniserOptions {
  /** Command words to spot, lower case ("snapshot", "reply"). */
  keywords: string[];
}

/** A recogniser could not start: a missing model, a missing library. The message names the thing. */
export class RecogniserError extends Error {
  override name = 'RecogniserError';
}
