/**
 * What the kws search looks for, worked out from the command words, their tuned thresholds and the
 * dictionary alone (no decoder): each command word's pronunciations, its noisy room's weak fit, other
 * speakers' pronunciations and its decoys, each a keyphrase with the threshold it has in a quiet room and
 * in a noisy one (null: not searched there). The order is the search file's order.
 */
import { SAMPLE_RATE } from '../audio/audio-source';
import {
  POCKETSPHINX_DECOYS,
  POCKETSPHINX_NOISY_THRESHOLDS,
  POCKETSPHINX_NOISY_WEAK_FITS,
  POCKETSPHINX_PRONUNCIATIONS,
  POCKETSPHINX_THRESHOLDS,
  type WeakFit,
} from './command-words';
import { RecogniserError } from './recogniser';

/** Decoys are spotted with a permissive threshold, so they are found whenever they fit. */
const DECOY_THRESHOLD = 1e-40;

/** For a keyword without a tuned threshold (untuned guess: short words are spotted more easily by chance). */
export function fallbackThreshold(phones: number): number {
  return phones >= 5 ? 1e-25 : 1e-15;
}

export interface KeyphraseOptions {
  /** Per-keyword detection thresholds, overriding POCKETSPHINX_THRESHOLDS (and, for those words, the noisy room's too). */
  thresholds?: Record<string, number>;
  /** Per-keyword thresholds in a noisy room, overriding POCKETSPHINX_NOISY_THRESHOLDS (tuning). */
  noisyThresholds?: Record<string, number>;
  /**
   * Per-keyword weak fits in a noisy room, overriding POCKETSPHINX_NOISY_WEAK_FITS (null: none; tuning): a looser
   * threshold whose detections count only when the spoken word lasts long enough and has a pause before it.
   */
  noisyWeakFits?: Record<string, WeakFit | null>;
  /** Per-keyword decoy words (overriding POCKETSPHINX_DECOYS): dictionary words that veto the keyword when they fit better. */
  decoys?: Record<string, string[]>;
  /** Pronunciations spotted besides the dictionary's (the acoustic model's phones), per keyword, in a quiet room only; overrides POCKETSPHINX_PRONUNCIATIONS. */
  pronunciations?: Record<string, string[]>;
}

export interface Keyphrase {
  /** Its word in the decoder's dictionary. */
  name: string;
  /** Phones, without the silence phones a pause adds. */
  pron: string;
  /** Threshold in a quiet room's search and a noisy room's, or null where it is not searched. */
  quiet: number | null;
  noisy: number | null;
  /** The command word it finds (or vetoes, for a decoy). */
  keyword: string;
  decoy: boolean;
  /** A weak fit: counts only with a pause before it and the spoken word this many samples or longer. */
  minWordSamples?: number;
}

export interface KeyphrasePlan {
  phrases: Keyphrase[];
  thresholds: Record<string, number>;
  noisyThresholds: Record<string, number>;
  weakFits: Record<string, WeakFit>;
}

/** The words the plan needs from the full dictionary: the command words and their decoys. */
export function dictionaryWords(keywords: readonly string[], o: KeyphraseOptions): string[] {
  return [...keywords, ...keywords.flatMap((k) => o.decoys?.[k] ?? POCKETSPHINX_DECOYS[k] ?? [])];
}

/**
 * The plan for `keywords`; `pronunciations(word)` gives every pronunciation the dictionary has for a word
 * (none when it has none), and `inDictionary(name)` whether a phrase's name would clash with a word there.
 */
export function planKeyphrases(
  keywords: readonly string[],
  o: KeyphraseOptions,
  pronunciations: (word: string) => string[],
  inDictionary: (name: string) => boolean,
  dictPath: string,
): KeyphrasePlan {
  const phrases: Keyphrase[] = [];
  const thresholds: Record<string, number> = {};
  const noisyThresholds: Record<string, number> = {};
  const weakFits: Record<string, WeakFit> = {};
  const add = (id: string, p: Omit<Keyphrase, 'name'>): void => {
    const name = `snapask_${id.replace(/[^a-z0-9_]/g, '')}`;
    if (inDictionary(name) || phrases.some((x) => x.name === name)) throw new RecogniserError(`dictionary already has a word ${name}`);
    phrases.push({ name, ...p });
  };
  for (const k of keywords) {
    const prons = pronunciations(k);
    if (prons.length === 0) throw new RecogniserError(`keyword "${k}" is not in the pocketsphinx dictionary ${dictPath}`);
    const th = o.thresholds?.[k] ?? POCKETSPHINX_THRESHOLDS[k] ?? fallbackThreshold(prons[0]!.split(/\s+/).length);
    if (!(th > 0 && Number.isFinite(th))) throw new RecogniserError(`threshold for "${k}" must be a positive number, got ${th}`);
    const noisyTh = o.thresholds?.[k] ?? o.noisyThresholds?.[k] ?? POCKETSPHINX_NOISY_THRESHOLDS[k] ?? th;
    if (!(noisyTh > 0 && Number.isFinite(noisyTh))) throw new RecogniserError(`noisy-room threshold for "${k}" must be a positive number, got ${noisyTh}`);
    thresholds[k] = th;
    noisyThresholds[k] = noisyTh;
    prons.forEach((pron, i) => add(`kw_${k}_${i}`, { pron, quiet: th, noisy: noisyTh, keyword: k, decoy: false }));
    // A weak fit: the same word at a looser threshold in a noisy room, its own phrase so that a detection
    // tells which threshold it passed (a detection's score is not the one the search compared). A threshold
    // given for the word replaces the default weak fit too.
    const weak =
      o.noisyWeakFits?.[k] !== undefined
        ? o.noisyWeakFits[k]
        : o.thresholds?.[k] !== undefined || o.noisyThresholds?.[k] !== undefined
          ? null
          : POCKETSPHINX_NOISY_WEAK_FITS[k];
    if (weak !== undefined && weak !== null) {
      if (!(weak.threshold > 0 && weak.threshold < noisyTh)) throw new RecogniserError(`weak-fit threshold for "${k}" must be below ${noisyTh}, got ${weak.threshold}`);
      weakFits[k] = weak;
      const minWordSamples = Math.round(weak.minWordSeconds * SAMPLE_RATE);
      prons.forEach((pron, i) => add(`weak_${k}_${i}`, { pron, quiet: null, noisy: weak.threshold, keyword: k, decoy: false, minWordSamples }));
    }
    // Other speakers' pronunciations, in a quiet room only (see POCKETSPHINX_PRONUNCIATIONS).
    (o.pronunciations?.[k] ?? POCKETSPHINX_PRONUNCIATIONS[k] ?? []).forEach((pron, i) =>
      add(`kw_${k}_${prons.length + i}`, { pron, quiet: th, noisy: null, keyword: k, decoy: false }),
    );
    // Decoys: words a command word is easily heard in. Spotted alongside, one that fits better than the command word vetoes it.
    for (const d of o.decoys?.[k] ?? POCKETSPHINX_DECOYS[k] ?? []) {
      const dprons = pronunciations(d);
      if (dprons.length === 0) throw new RecogniserError(`decoy "${d}" for "${k}" is not in the pocketsphinx dictionary ${dictPath}`);
      dprons.forEach((pron, i) => add(`decoy_${k}_${d}_${i}`, { pron, quiet: DECOY_THRESHOLD, noisy: DECOY_THRESHOLD, keyword: k, decoy: true }));
    }
  }
  return { phrases, thresholds, noisyThresholds, weakFits };
}

/** The kws search file for a quiet or a noisy room: one "phrase/threshold/" line per phrase searched there. */
export function keyphraseFile(phrases: readonly Keyphrase[], room: 'quiet' | 'noisy'): string {
  // No space before the threshold: the library keeps everything before the slash as the keyphrase.
  const lines = phrases.flatMap((p) => {
    const th = room === 'quiet' ? p.quiet : p.noisy;
    return th === null ? [] : [`${p.name}/${th.toExponential(3)}/`];
  });
  return lines.join('\n') + '\n';
}
