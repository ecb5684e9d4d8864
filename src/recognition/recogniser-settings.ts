import type { NoiseSuppressorKind } from './cleaned-recogniser';

/** How the offline recogniser is set up (the config's `recogniser` section is one). */
export interface RecogniserSettings {
  engine: 'pocketsphinx' | 'vosk' | 'learned' | 'combined';
  /** Unset: each engine's own default. */
  modelDir?: string;
  thresholds?: Record<string, number>;
  noiseSuppressor?: NoiseSuppressorKind;
  noiseSuppressDb?: number;
}
