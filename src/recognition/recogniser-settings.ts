import { DEFAULT_NOISE_SUPPRESS_DB, suppresses, type NoiseSuppressorKind } from './cleaned-recogniser';

/** How the offline recogniser is set up (the config's `recogniser` section is one). */
export interface RecogniserSettings {
  engine: 'pocketsphinx' | 'vosk' | 'learned' | 'combined';
  /** Unset: each engine's own default. */
  modelDir?: string;
  thresholds?: Record<string, number>;
  /** Unset: the engine's own (ENGINE_NOISE_SUPPRESSOR). */
  noiseSuppressor?: NoiseSuppressorKind;
  noiseSuppressDb?: number;
}

/** Whether the engine runs the learned detector (and so takes a calibration). */
export function usesDetector(engine: RecogniserSettings['engine']): boolean {
  return engine === 'learned' || engine === 'combined';
}

/**
 * What each engine hears a noisy room through. The learned heads were trained on noisy audio as the
 * microphone gives it, and RNNoise's output in babble and reverberation is not what they heard: on the
 * tuning speakers they hear 3 to 4 times the commands in speech at 10 dB without it (measurements.md).
 */
export const ENGINE_NOISE_SUPPRESSOR: Record<RecogniserSettings['engine'], NoiseSuppressorKind> = {
  pocketsphinx: 'rnnoise',
  vosk: 'rnnoise',
  combined: 'rnnoise',
  learned: 'none',
};

/** The suppressor and its attenuation the engine runs with: configured, else the engine's own. */
export function noiseSuppressionOf(c: RecogniserSettings): { suppressor: NoiseSuppressorKind; suppressDb: number } {
  return { suppressor: c.noiseSuppressor ?? ENGINE_NOISE_SUPPRESSOR[c.engine], suppressDb: c.noiseSuppressDb ?? DEFAULT_NOISE_SUPPRESS_DB };
}

/** Whether the engine hears a noisy room with its noise taken out. */
export function suppressesNoise(c: RecogniserSettings): boolean {
  const { suppressor, suppressDb } = noiseSuppressionOf(c);
  return suppresses(suppressor, suppressDb);
}
