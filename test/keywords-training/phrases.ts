/**
 * What the training speakers say: each command word on its own and inside short phrases, near misses of
 * every word, and ordinary sentences made from templates. The held-out bench has its own phrases and
 * sentences (test/bench/keywords-heldout.ts), none of them here.
 */
import { rng } from '../bench/keywords-corpus';

/** A phrase with the command word in it: the parts before and after it (either may be empty). */
export interface Carrier {
  before: string;
  after: string;
}

const ALONE: Carrier = { before: '', after: '' };

/** Where each word is said in training, beyond on its own. */
export const CARRIERS: Record<string, Carrier[]> = {
  snapshot: [
    { before: 'take a', after: '' },
    { before: 'take a', after: 'of this' },
    { before: '', after: 'this one' },
    { before: 'can you', after: 'that' },
    { before: 'one more', after: '' },
    { before: 'now a', after: 'of the back' },
  ],
  reply: [
    { before: 'that is all', after: '' },
    { before: 'okay', after: '' },
    { before: 'and what does it say', after: '' },
    { before: 'now', after: '' },
    { before: 'is it broken', after: '' },
    { before: '', after: '' },
    { before: '', after: '' },
  ],
  cancel: [
    { before: 'no', after: '' },
    { before: 'please', after: 'that' },
    { before: 'oh', after: 'it' },
  ],
  stop: [
    { before: 'please', after: '' },
    { before: '', after: 'talking' },
    { before: 'okay', after: 'now' },
  ],
  confirm: [
    { before: 'yes', after: '' },
    { before: 'I', after: 'that' },
    { before: '', after: 'it please' },
  ],
};

/** Carriers for a word: its own, or generic ones for a word the table does not know (make train-keywords WORDS=...). */
export function carriersOf(word: string): Carrier[] {
  return [ALONE, ALONE, ...(CARRIERS[word] ?? [{ before: 'please', after: '' }, { before: '', after: 'now' }, { before: 'okay', after: 'that' }])];
}

/** Near misses: words that share most of a command word's sounds. */
export const NEAR_MISSES: Record<string, string[]> = {
  snapshot: ['snap', 'shot', 'snack shop', 'a long shot', 'snapped', 'snap shut', 'hot shot', 'snappy', 'flapjack', 'gunshot', 'slapdash', 'snapdragon'],
  reply: ['replies', 'replay', 'apply', 'reapply', 'supply', 'really', 'rely', 'ripley', 'reptile', 'imply', 'replied', 'comply'],
  cancel: ['canceled', 'cancer', 'council', 'candle', 'tinsel', 'can sell', 'counsel', 'camel', 'channel', 'castle'],
  stop: ['stopwatch', 'stopped', 'shop', 'top', 'stomp', 'stock', 'step', 'spot', 'stopper', 'post'],
  confirm: ['confirmation', 'conform', 'confer', 'firm', 'conferred', 'infirm', 'confine', 'conifer'],
};

const SUBJECTS = ['my brother', 'the teacher', 'our neighbour', 'the old man', 'a young woman', 'the driver', 'my aunt', 'the children', 'the doctor', 'his friend', 'the farmer', 'everyone'];
const VERBS = ['carried', 'painted', 'found', 'forgot', 'bought', 'cleaned', 'moved', 'opened', 'fixed', 'sold', 'lost', 'borrowed', 'wrapped', 'checked'];
const OBJECTS = ['a blue umbrella', 'the kitchen window', 'three heavy boxes', 'the garden gate', 'an old guitar', 'the broken clock', 'a basket of apples', 'the wooden ladder', 'her winter coat', 'the small red car', 'a pile of letters', 'the brass lamp'];
const TAILS = ['before breakfast', 'in the rain', 'last tuesday', 'after the match', 'near the station', 'without a word', 'at the weekend', 'for the second time', 'in a hurry', 'by the river'];

/** `n` ordinary sentences from templates, the same for the same seed. */
export function ordinarySentences(n: number, seed: number): string[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, () => `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(TAILS)}`);
}

/** Sentences with a near miss of `word` in them. */
export function nearMissSentences(word: string, seed: number): string[] {
  const r = rng(seed);
  const lead = ['I think it was a', 'there was a', 'she said', 'we heard the', 'look at that', 'he wanted to'];
  return (NEAR_MISSES[word] ?? []).map((m) => `${lead[Math.floor(r() * lead.length)]} ${m}`);
}

/**
 * Words that begin like the command words ("sh", "sn", "st", "re", "con") but are none of them, said in
 * ordinary sentences: the heads' false alarms came from everyday words of this kind, not from the near
 * misses listed above.
 */
export const SOUND_ALIKES = [
  'shopping', 'shoes', 'shops', 'shirt', 'sharp', 'shelf', 'shampoo', 'shower', 'shadow', 'shall', 'shocked', 'shoulder', 'short',
  'snow', 'snack', 'snail', 'sneeze', 'snake', 'snoring', 'snug', 'snippet', 'snapping', 'snacks',
  'stamp', 'sticky', 'stuff', 'stairs', 'storm', 'stone', 'stove', 'stopping', 'stops', 'story', 'stool',
  'repair', 'replace', 'report', 'ripe', 'rely on', 'pliers', 'supplies',
  'concert', 'conversation', 'cancelled', 'confident', 'council', 'consult',
];

const ALIKE_FRAMES = [
  (w: string) => `we need some ${w} for the weekend`,
  (w: string) => `the ${w} was next to the door`,
  (w: string) => `she talked about the ${w} all evening`,
  (w: string) => `is there any ${w} left in the kitchen`,
  (w: string) => `he said the ${w} looked fine to him`,
  (w: string) => `I forgot the ${w} again`,
  (w: string) => `they were ${w} until late`,
  (w: string) => `${w} is what I meant`,
];

/** `n` sentences with a sound-alike in each, the same for the same seed. */
export function soundAlikeSentences(n: number, seed: number): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const w = SOUND_ALIKES[i % SOUND_ALIKES.length]!;
    return ALIKE_FRAMES[Math.floor(r() * ALIKE_FRAMES.length)]!(w);
  });
}
