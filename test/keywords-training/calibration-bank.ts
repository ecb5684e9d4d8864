/**
 * The calibration bank (assets/keywords/calibration-bank.json): hidden-layer vectors of the training set's
 * windows, for calibration to weigh the owner's samples against (src/recognition/calibration/negative-bank.ts).
 * The negatives the heads find hardest, as many drawn at random, and some positives of each word. make
 * train-keywords writes it beside the heads; `node dist/test/keywords-training/calibration-bank.js` writes it
 * for the heads already there, from the cached training set. Deterministic.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CALIBRATION_BANK_FILE, encodeBank, type BankEntry } from '../../src/recognition/calibration/negative-bank';
import { KEYWORD_HEADS_DIR, KeywordHeads } from '../../src/recognition/detector/keyword-head';
import { rng } from '../bench/keywords-corpus';
import { labelOf, type Clip } from './dataset';

export const BANK_SIZES = { hardest: 1500, random: 1500, positivesPerWord: 150 };

function draw<T>(xs: T[], n: number, rand: () => number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]!);
  return out;
}

export function buildBank(heads: KeywordHeads, clips: Clip[], sizes = BANK_SIZES, seed = 3): BankEntry[] {
  const rand = rng(seed);
  const none: Array<BankEntry & { hardness: number }> = [];
  const positives: BankEntry[][] = heads.words.map(() => []);
  clips.forEach((clip, c) => {
    const w = heads.words.indexOf(clip.word);
    for (let at = 0; at < clip.embeddings.length; at++) {
      const l = w >= 0 ? labelOf(clip, at, clip.word) : 0;
      if (l === -1) continue;
      const win = clip.embeddings.slice(Math.max(0, at - heads.window + 1), at + 1);
      const scores = heads.score(win);
      const h = heads.lastHidden();
      if (l === 1) positives[w]!.push({ h, label: w + 1, clip: c });
      else none.push({ h, label: 0, clip: c, hardness: Math.max(...Object.values(scores).map((s) => s.score)) });
    }
  });
  none.sort((a, b) => b.hardness - a.hardness);
  const hardest = none.slice(0, sizes.hardest);
  const rest = draw(none.slice(sizes.hardest), sizes.random, rand);
  const pos = positives.flatMap((p) => draw(p, sizes.positivesPerWord, rand));
  return [...hardest, ...rest, ...pos].map(({ h, label, clip }) => ({ h, label, clip }));
}

export function writeBank(heads: KeywordHeads, clips: Clip[], dir: string): number {
  const entries = buildBank(heads, clips);
  writeFileSync(join(dir, CALIBRATION_BANK_FILE), `${JSON.stringify(encodeBank(entries, [...heads.words], heads.hiddenDigest))}\n`);
  return entries.length;
}

if (require.main === module) {
  void (async () => {
    const { trainingSet } = await import('./main');
    const heads = KeywordHeads.load(KEYWORD_HEADS_DIR)!;
    const clips = await trainingSet([...heads.words], 1, (m) => console.log(m));
    console.log(`${writeBank(heads, clips, process.env.OUT ?? KEYWORD_HEADS_DIR)} entries written`);
  })().catch((e: unknown) => {
    console.error(`calibration-bank: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
