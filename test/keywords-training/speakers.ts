/**
 * Who speaks in training and who is held out, by speaker, not by voice name: flite kal, kal16 and festival
 * kal_diphone are one man; flite slt and festival's cmu_us_slt_arctic_hts one woman. The held-out speakers
 * (flite awb and rms, festival ked) never reach a training run, a threshold or a constant: the figures that
 * judge the detector are measured on them (test/bench/keywords-heldout.ts).
 */
import type { SpeechEngine } from '../support/speech';

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
}
