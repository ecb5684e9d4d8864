/**
 * What a window of embeddings is, relative to a command word said in it: the trainer's labels, and the same for
 * calibration's samples of the owner's voice.
 */

/** A positive window ends this long after the word ends (seconds): the event's latency budget. */
export const POSITIVE_AFTER = [0, 0.24] as const;
/** A window that ends more than this before the word's end has not heard all of it: negative ("snap" of "snapshot"). */
export const PARTIAL_BEFORE = 0.12;
/** A window that ends more than this after the word's end is negative: the word was said a while ago. */
export const LATE_AFTER = 0.45;

/** The label of a window ending at `end` for a word ending at `wordEnd`: 1 (the word), 0 (no word), or -1 (ignored). */
export function windowLabel(end: number, wordEnd: number): 1 | 0 | -1 {
  if (end >= wordEnd + POSITIVE_AFTER[0] && end <= wordEnd + POSITIVE_AFTER[1]) return 1;
  if (end < wordEnd - PARTIAL_BEFORE) return 0;
  // Well after the word, nothing has just been said: left unlabelled, these windows fired other words.
  if (end > wordEnd + LATE_AFTER) return 0;
  return -1;
}
