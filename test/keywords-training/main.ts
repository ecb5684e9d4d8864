/**
 * `make train-keywords [WORDS="snapshot reply"] [SCALE=1]`: builds the training set from the training
 * speakers (never the held-out ones), trains one head per word, chooses each threshold on a tuning set of
 * the same speakers (other draws of phrases and rooms), and writes assets/keywords/<word>.json.
 * Deterministic: the same code and packages give the same heads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYWORD_HEADS_DIR, KEYWORD_HEADS_FILE, KeywordHeads, type KeywordHeadsFile } from '../../src/recognition/detector/keyword-head';
import { EmbeddingModels } from '../../src/recognition/detector/speech-embedding';
import { cachedDataset, cachedSupplement, RATES, type Clip } from './dataset';
import { DEFAULT_TRAIN, trainHeads } from './train-head';
import { writeBank } from './calibration-bank';

/** Built datasets are kept here, so a change to the trainer alone does not rebuild them; bump the version when the data changes. */
const CACHE = join(__dirname, '..', '..', '..', 'build', 'keywords-training');
const DATASET_VERSION = '2'; // 2: the embedding stream dithers
/** The supplement's own version (converted speakers, sound-alikes, echo-cancelled clips). */
const SUPPLEMENT_VERSION = '1';

export const DEFAULT_WORDS = ['snapshot', 'reply', 'cancel', 'stop', 'confirm'];

/** Each clip's highest score for `word`, over the windows that may count (its own clips: up to 0.4 s after the word). */
export function clipScores(heads: KeywordHeads, word: string, clips: Clip[]): Array<{ clip: Clip; max: number }> {
  return clips.map((clip) => {
    let max = 0;
    for (let at = 0; at < clip.embeddings.length; at++) {
      if (clip.word === word && (clip.ends[at]! < clip.wordEnd - 0.12 || clip.ends[at]! > clip.wordEnd + 0.4)) continue;
      const s = heads.score(clip.embeddings.slice(Math.max(0, at - heads.window + 1), at + 1))[word]!.score;
      if (s > max) max = s;
    }
    return { clip, max };
  });
}

/**
 * A word's threshold: the lowest score that at most 1 in 200 of the tuning clips without the word reaches
 * (near misses, other command words, ordinary speech, noise: far denser in near misses than a home), never
 * under 0.5. Reports recall at it and the clips still over it.
 */
export function chooseThreshold(heads: KeywordHeads, word: string, tuning: Clip[]): { threshold: number; recall: number; falseClips: number; worst: string[] } {
  const scored = clipScores(heads, word, tuning);
  const negatives = scored.filter((s) => s.clip.word !== word).sort((a, b) => b.max - a.max);
  const positives = scored.filter((s) => s.clip.word === word);
  const allowed = Math.floor(negatives.length / 200);
  const threshold = Math.min(0.99, Math.max(0.5, (negatives[allowed]?.max ?? 0) + 0.01));
  return {
    threshold,
    recall: positives.filter((p) => p.max >= threshold).length / Math.max(1, positives.length),
    falseClips: negatives.filter((n) => n.max >= threshold).length,
    worst: negatives.slice(0, 3).map((n) => `${n.max.toFixed(3)} ${n.clip.name}`),
  };
}

/** The training set as make train-keywords builds it (cached). */
export async function trainingSet(words: string[], scale: number, log: (m: string) => void, models = new EmbeddingModels(), supplement = false): Promise<Clip[]> {
  const first = await cachedDataset(models, { words, scale, seed: 11, rates: RATES, log }, CACHE, DATASET_VERSION);
  if (!supplement) return first;
  return [...first, ...(await cachedSupplement(models, { words, scale, seed: 31, rates: [0.9, 1.1], echoClips: 600, soundAlikes: 240, log }, CACHE, SUPPLEMENT_VERSION))];
}

/** The tuning set the thresholds are chosen on: the same speakers (converted ones too), other draws. */
export async function tuningSet(words: string[], scale: number, log: (m: string) => void, models = new EmbeddingModels(), supplement = false): Promise<Clip[]> {
  const first = await cachedDataset(models, { words, scale: scale * 0.5, seed: 23, rates: [0.9, 1.1], log }, CACHE, DATASET_VERSION);
  if (!supplement) return first;
  return [...first, ...(await cachedSupplement(models, { words, scale: scale * 0.3, seed: 37, rates: [1], echoClips: 600, soundAlikes: 240, log }, CACHE, SUPPLEMENT_VERSION))];
}

export async function trainKeywords(o: { words: string[]; scale: number; outDir: string; log: (m: string) => void; steps?: number; supplement?: boolean }): Promise<KeywordHeadsFile> {
  const models = new EmbeddingModels();
  const t0 = Date.now();
  o.log(`building the training set (scale ${o.scale})...`);
  const train = await trainingSet(o.words, o.scale, o.log, models, o.supplement);
  o.log(`  ${train.length} clips in ${((Date.now() - t0) / 1000).toFixed(0)} s; tuning set...`);
  const tuning = await tuningSet(o.words, o.scale, o.log, models, o.supplement);
  models.close();
  const t1 = Date.now();
  const file = trainHeads(o.words, train, { ...DEFAULT_TRAIN, ...(o.steps ? { steps: o.steps } : {}) });
  o.log(`trained in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
  const heads = new KeywordHeads(file);
  const tuned: Record<string, unknown> = {};
  for (const word of o.words) {
    const chosen = chooseThreshold(heads, word, tuning);
    file.thresholds[word] = Number(chosen.threshold.toFixed(3));
    tuned[word] = { recall: Number(chosen.recall.toFixed(3)), falseClips: chosen.falseClips };
    o.log(`${word}: threshold ${file.thresholds[word]}, tuning recall ${chosen.recall.toFixed(3)}, ${chosen.falseClips} tuning clips without it over it; highest: ${chosen.worst.join(' | ')}`);
  }
  file.trained = { ...file.trained, clips: train.length, tuningClips: tuning.length, tuning: tuned };
  mkdirSync(o.outDir, { recursive: true });
  writeFileSync(join(o.outDir, KEYWORD_HEADS_FILE), `${JSON.stringify(file)}\n`);
  o.log(`calibration bank: ${writeBank(new KeywordHeads(file), train, o.outDir)} windows`);
  return file;
}

if (require.main === module) {
  const words = (process.env.WORDS ?? '').split(/[\s,]+/).filter(Boolean);
  const scale = Number(process.env.SCALE ?? '1');
  // The first set and the supplement (converted speakers, sound-alikes, echo clips), as the shipped heads were made;
  // KWS_SUPPLEMENT=0 trains on the first set alone (the heads shipped before, docs/measurements.md).
  const supplement = process.env.KWS_SUPPLEMENT !== '0';
  trainKeywords({ words: words.length ? words : DEFAULT_WORDS, scale, outDir: process.env.OUT ?? KEYWORD_HEADS_DIR, log: (m) => console.log(m), supplement }).catch((e: unknown) => {
    console.error(`train-keywords: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
