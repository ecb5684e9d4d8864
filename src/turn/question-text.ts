import type { TimedWord } from '../recognition/recogniser';

/**
 * The question as the user meant it: the words heard in [from, to), without the
 * command words. A word counts as a command word if it is one, or if most of it
 * lies inside a spotted keyword (the transcript engine may have heard "snapshot"
 * as "snap shot").
 */
export function questionText(words: TimedWord[], keywords: TimedWord[], commandWords: Set<string>, from: number, to: number): string {
  return words
    .filter((w) => w.start >= from && w.start < to)
    .filter((w) => !commandWords.has(w.word.toLowerCase()))
    .filter((w) => !keywords.some((k) => overlap(w, k) > 0.5 * Math.max(w.end - w.start, 1e-3)))
    .map((w) => w.word)
    .join(' ');
}

function overlap(a: TimedWord, b: TimedWord): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}
