/**
 * Who speaks in training and who is held out, by speaker, not by voice name: flite kal, kal16 and festival
 * kal_diphone are one man; flite slt and festival's cmu_us_slt_arctic_hts one woman. The held-out speakers
 * (flite awb and rms, festival ked) never reach a training run, a threshold or a constant: the figures that
 * judge the detector are measured on them (test/bench/keywords-heldout.ts).
 */
import type { SpeechEngine } from '../support/speech';
import type { Conversion } from './voice-conversion';

export interface VoiceName {
  engine: SpeechEngine;
  voice: string;
}

export interface Speaker {
  name: string;
  voices: VoiceName[];
}

/** espeak-ng's English accents, each with a few of its voice variants (pitch, breathiness, formants). */
const ESPEAK_ACCENTS = ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-029', 'en-us-nyc', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd'];
const ESPEAK_VARIANTS = ['', '+m3', '+f2', '+f4', '+m7', '+klatt'];

export const TRAINING_SPEAKERS: Speaker[] = [
  {
    name: 'kal',
    voices: [
      { engine: 'flite', voice: 'kal' },
      { engine: 'flite', voice: 'kal16' },
      { engine: 'festival', voice: 'kal_diphone' },
    ],
  },
  {
    name: 'slt',
    voices: [
      { engine: 'flite', voice: 'slt' },
      { engine: 'festival', voice: 'cmu_us_slt_arctic_hts' },
    ],
  },
  // espeak-ng is one synthesiser; its accents and variants are as many formant voices.
  ...ESPEAK_ACCENTS.map((accent, i) => ({
    name: `espeak-${accent}`,
    voices: [ESPEAK_VARIANTS[i % ESPEAK_VARIANTS.length]!, ESPEAK_VARIANTS[(i + 3) % ESPEAK_VARIANTS.length]!].map((v) => ({ engine: 'espeak-ng' as const, voice: accent + v })),
  })),
];

/**
 * More natural speakers than the corpus has: kal and slt made into others by a fixed change of vocal tract,
 * pitch and tempo each (voice-conversion.ts), the same for every clip a converted speaker says. Men made from
 * slt and women from kal as well as other men and women from each, as the held-out set has voices unlike both.
 */
export interface ConvertedSpeaker {
  name: string;
  from: VoiceName;
  conversion: Conversion;
}

export const CONVERTED_SPEAKERS: ConvertedSpeaker[] = [
  { name: 'kal-long-tract', from: { engine: 'flite', voice: 'kal' }, conversion: { formant: 0.9, pitchCents: -250, tempo: 0.92 } },
  { name: 'kal-short-tract', from: { engine: 'festival', voice: 'kal_diphone' }, conversion: { formant: 1.1, pitchCents: 150, tempo: 1.1 } },
  { name: 'kal-high', from: { engine: 'flite', voice: 'kal' }, conversion: { formant: 1.04, pitchCents: 400, tempo: 1 } },
  { name: 'kal-as-woman', from: { engine: 'festival', voice: 'kal_diphone' }, conversion: { formant: 1.17, pitchCents: 800, tempo: 1.05 } },
  { name: 'kal-slow-low', from: { engine: 'flite', voice: 'kal16' }, conversion: { formant: 0.95, pitchCents: -400, tempo: 0.85 } },
  { name: 'slt-as-man', from: { engine: 'flite', voice: 'slt' }, conversion: { formant: 0.85, pitchCents: -900, tempo: 1 } },
  { name: 'slt-as-deep-man', from: { engine: 'festival', voice: 'cmu_us_slt_arctic_hts' }, conversion: { formant: 0.82, pitchCents: -1100, tempo: 0.9 } },
  { name: 'slt-as-young-man', from: { engine: 'flite', voice: 'slt' }, conversion: { formant: 0.9, pitchCents: -600, tempo: 1.15 } },
  { name: 'slt-low', from: { engine: 'festival', voice: 'cmu_us_slt_arctic_hts' }, conversion: { formant: 0.95, pitchCents: -300, tempo: 1.08 } },
  { name: 'slt-short-tract', from: { engine: 'flite', voice: 'slt' }, conversion: { formant: 1.08, pitchCents: 200, tempo: 0.9 } },
];

export const HELDOUT_SPEAKERS: Speaker[] = [
  { name: 'awb', voices: [{ engine: 'flite', voice: 'awb' }] },
  { name: 'rms', voices: [{ engine: 'flite', voice: 'rms' }] },
  { name: 'ked', voices: [{ engine: 'festival', voice: 'ked_diphone' }] },
];

/** Refuses a training voice that belongs to a held-out speaker (a guard against a careless edit). */
export function assertDisjoint(): void {
  const held = new Set(HELDOUT_SPEAKERS.flatMap((s) => s.voices.map((v) => `${v.engine}:${v.voice}`)));
  for (const s of TRAINING_SPEAKERS) for (const v of s.voices) if (held.has(`${v.engine}:${v.voice}`)) throw new Error(`${v.engine} ${v.voice} is held out`);
  const names = new Set(HELDOUT_SPEAKERS.map((s) => s.name));
  for (const s of TRAINING_SPEAKERS) if (names.has(s.name)) throw new Error(`speaker ${s.name} is held out`);
  for (const c of CONVERTED_SPEAKERS) if (held.has(`${c.from.engine}:${c.from.voice}`)) throw new Error(`${c.name} is made from a held-out voice`);
}
