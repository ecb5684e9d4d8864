/**
 * Choosing what goes into training without the held-out speakers: one training speaker (with every voice and
 * converted speaker made from it) is left out of a training run and judged on its own clips, training and
 * tuning sets both (it heard none of them), its own voices only (not the converted speakers made from it). `FOLD=slt` (or kal), `VARIANTS=first,all,no-echo,no-converted`,
 * `STEPS=` for a quicker run, `TRAIN='{"hidden":128}'` for other trainer options. Per variant and word: recall at the threshold chosen on the other speakers'
 * tuning clips (as make train-keywords chooses it), and how many of the left-out speaker's clips without the
 * word reach it. Needs the cached sets (make train-keywords builds them).
 */
import { KeywordHeads } from '../../src/recognition/detector/keyword-head';
import type { Clip } from './dataset';
import { chooseThreshold, clipScores, DEFAULT_WORDS, trainingSet, tuningSet } from './main';
import { DEFAULT_TRAIN, trainHeads, type TrainOptions } from './train-head';
import { soundAlikeSentences } from './phrases';

/** Whether a clip was said by speaker `fold` (its voices, or a converted speaker made from it). */
export function saidBy(clip: Clip, fold: string): boolean {
  const voices: Record<string, string[]> = { slt: [':slt@', 'cmu_us_slt_arctic_hts'], kal: [':kal@', ':kal16@', 'kal_diphone'] };
  const who = clip.name.split(' "')[0]!;
  return who.startsWith(`${fold}-`) || (voices[fold] ?? [`:${fold}@`]).some((v) => who.includes(v));
}

/** What a supplement clip is, by its name: said over playback, by a converted speaker, or a sound-alike sentence. */
const ALIKE_TEXTS = new Set([...soundAlikeSentences(240, 34), ...soundAlikeSentences(72, 40)]);
const isEcho = (c: Clip): boolean => c.name.includes('cancelled)');
const isAlike = (c: Clip): boolean => !isEcho(c) && ALIKE_TEXTS.has(c.name.split('"')[1] ?? '');
const isConverted = (c: Clip): boolean => !isEcho(c) && !isAlike(c) && /^[a-z]+-[a-z-]+=/.test(c.name);

const VARIANTS: Record<string, (c: Clip, firstSet: boolean) => boolean> = {
  first: (_c, first) => first,
  all: () => true,
  'no-echo': (c) => !isEcho(c),
  'no-converted': (c) => !isConverted(c),
  'no-alikes': (c) => !isAlike(c),
};

async function main(): Promise<void> {
  const fold = process.env.FOLD ?? 'slt';
  const variants = (process.env.VARIANTS ?? 'first,all').split(',');
  const words = DEFAULT_WORDS;
  const log = (m: string): void => console.log(m);
  const train = await trainingSet(words, 1, log, undefined, true);
  const tuning = await tuningSet(words, 1, log, undefined, true);
  const firstCount = train.findIndex((c, i) => i > 0 && c.name.includes('alone') && !train[i + 1]?.name.includes('alone')) + 1;
  const first = new Set(train.slice(0, firstCount));
  // Judged on the speaker's own voices only, not on the converted speakers made from it.
  const natural = [...train, ...tuning].filter((c) => saidBy(c, fold) && !c.name.split(' "')[0]!.includes('='));
  const judged = natural.filter((c) => !isEcho(c));
  const judgedEcho = natural.filter(isEcho);
  const others = tuning.filter((c) => !saidBy(c, fold));
  console.log(`fold ${fold}: ${judged.length} + ${judgedEcho.length} echo clips judged, ${others.length} tuning clips for thresholds`);
  for (const v of variants) {
    const keep = VARIANTS[v]!;
    const used = train.filter((c) => !saidBy(c, fold) && keep(c, first.has(c)));
    const file = trainHeads(words, used, { ...DEFAULT_TRAIN, ...(process.env.STEPS ? { steps: Number(process.env.STEPS) } : {}), ...(JSON.parse(process.env.TRAIN ?? '{}') as Partial<TrainOptions>) });
    const heads = new KeywordHeads(file);
    const rows: string[] = [];
    for (const w of words) {
      const t = chooseThreshold(heads, w, others).threshold;
      const score = (set: Clip[]): { recall: number; n: number; fa: number; negs: number } => {
        const s = clipScores(heads, w, set);
        const pos = s.filter((x) => x.clip.word === w);
        const neg = s.filter((x) => x.clip.word !== w);
        return { recall: pos.filter((x) => x.max >= t).length / Math.max(1, pos.length), n: pos.length, fa: neg.filter((x) => x.max >= t).length, negs: neg.length };
      };
      const a = score(judged);
      const e = score(judgedEcho);
      rows.push(`${w} t=${t.toFixed(3)} recall ${a.recall.toFixed(3)} of ${a.n}, false ${a.fa} of ${a.negs}; over playback ${e.recall.toFixed(3)} of ${e.n}, false ${e.fa} of ${e.negs}`);
    }
    console.log(`variant ${v} (${used.length} clips):\n  ${rows.join('\n  ')}`);
  }
}

if (require.main === module) main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
