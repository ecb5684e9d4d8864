import type { HeardWord, TimedWord } from '../recognition/recogniser';

/**
 * The question as the user meant it: the words heard in [from, to), without the
 * command words. A word counts as a command word if the recogniser boundary gave
 * it a role, or if most of it lies inside a spotted keyword (the transcript engine
 * may have heard "snapshot" as "snap shot").
 */
export function questionText(words: HeardWord[], keywords: TimedWord[], from: number, to: number): string {
  return words
    .filter((w) => w.start >= from && w.start < to)
    .filter((w) => !w.role)
    .filter((w) => !keywords.some((k) => overlap(w, k) > 0.5 * Math.max(w.end - w.start, 1e-3)))
    .map((w) => w.word)
    .join(' ');
}

function overlap(a: TimedWord, b: TimedWord): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}
