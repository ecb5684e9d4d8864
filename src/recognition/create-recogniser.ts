import type { PlaybackReference } from '../audio/playback-reference';
import { rnnoiseSimdFallback } from '../audio/rnnoise';
import { CleanedRecogniser, type CleaningOptions } from './cleaned-recogniser';
import { CommandRoles } from './command-roles';
import { spottedWords, type CommandRules } from './command-words';
import { calibratedHeads } from './calibration/calibration-file';
import { followCalibration } from './calibration/calibration-follow';
import { KeywordDetector } from './detector/keyword-detector';
import { KeywordsFromBoth, type MergeOptions } from './keywords-from-both';
import { KeywordsWithTranscripts } from './keywords-with-transcripts';
import { PocketSphinxRecogniser } from './pocketsphinx-recogniser';
import type { CommandRecogniser, Recogniser } from './recogniser';
import { noiseSuppressionOf, suppressesNoise, usesDetector, type RecogniserSettings } from './recogniser-settings';
import { UtteranceEndGate } from './utterance-end-gate';
import { VoskRecogniser } from './vosk-recogniser';

/** Where the installer puts the Vosk model on the device. */
export const DEFAULT_VOSK_MODEL_DIR = '/opt/snapask/vosk-model';

/** The configured offline engine (Vosk on the device, PocketSphinx where no Vosk model is installed), without the command rules. */
export interface EngineOptions {
  transcribe?: boolean;
  stateDir?: string;
  /** The learned engine takes a calibration saved in `stateDir` while it runs (the service's). */
  followCalibration?: boolean;
  warn?: (message: string) => void;
  info?: (message: string) => void;
  /** The `combined` engine's merge (benches trying another; the service uses DEFAULT_MERGE). */
  merge?: MergeOptions;
}

export function createEngine(c: RecogniserSettings, rules: CommandRules, o: EngineOptions = {}): Recogniser {
  const keywords = spottedWords(rules);
  if (c.engine === 'vosk') return new VoskRecogniser({ keywords, modelDir: c.modelDir ?? DEFAULT_VOSK_MODEL_DIR });
  if (usesDetector(c.engine)) {
    // The owner's calibration (snapask calibrate) when the state directory holds one for these heads.
    const heads = calibratedHeads(o.stateDir, o.warn);
    const detector = new KeywordDetector({ keywords, ...(heads ? { heads } : {}), ...(c.thresholds ? { thresholds: c.thresholds } : {}) });
    // A calibration saved while the service runs is heard at once.
    if (o.stateDir !== undefined && o.followCalibration) detector.onClose(followCalibration(o.stateDir, (h) => detector.useHeads(h), { ...(o.warn ? { warn: o.warn } : {}), ...(o.info ? { info: o.info } : {}) }));
    const modelDir = c.modelDir ? { modelDir: c.modelDir } : {};
    // Both engines' command words; configured thresholds are the detector's, PocketSphinx keeps its tuned ones.
    if (c.engine === 'combined') return new KeywordsFromBoth(detector, new PocketSphinxRecogniser({ keywords, ...modelDir, ...(o.transcribe === false ? { transcribe: false } : {}) }), o.merge);
    if (o.transcribe === false) return detector;
    // The offline transcript of the question: PocketSphinx's language model beside the detector.
    return new KeywordsWithTranscripts(detector, new PocketSphinxRecogniser({ keywords, ...modelDir }));
  }
  return new PocketSphinxRecogniser({
    keywords,
    thresholds: rules.thresholds,
    ...(c.modelDir ? { modelDir: c.modelDir } : {}),
    ...(o.transcribe === false ? { transcribe: false } : {}),
  });
}

/**
 * The engine with the command rules applied ("reply" only at the end of an utterance, every keyword with its
 * role), hearing the microphone cleaned: the speaker's echo cancelled (given what it played) and noise suppressed.
 */
export function createRecogniser(
  c: RecogniserSettings,
  rules: CommandRules,
  o: EngineOptions & { echo?: PlaybackReference } = {},
): CommandRecogniser {
  const engine = createEngine(c, rules, o);
  if (!suppressesNoise(c) && !o.echo) return withCommandRules(engine, rules);
  const echo = o.echo ? { echo: o.echo } : {};
  const { suppressor, suppressDb } = noiseSuppressionOf(c);
  try {
    const cleaned = withCommandRules(engine, rules, { suppressor, suppressDb, ...echo });
    const scalar = suppressor === 'rnnoise' ? rnnoiseSimdFallback() : undefined;
    if (scalar) o.warn?.(`RNNoise runs without SIMD (about four times the CPU): ${scalar}`);
    return cleaned;
  } catch (e) {
    // Without the cleaner the appliance still hears commands in a quiet room: run with what there is, and say what is missing.
    const missing = (e as Error).message;
    if (suppressor === 'rnnoise') {
      try {
        const cleaned = withCommandRules(engine, rules, { suppressor: 'speex', suppressDb, ...echo });
        o.warn?.(`RNNoise off, speexdsp suppresses noise instead: ${missing}`);
        return cleaned;
      } catch {
        // speexdsp is missing too: fall through
      }
    }
    o.warn?.(`microphone cleaning off (no echo cancelling, no noise suppression): ${missing}`);
    return withCommandRules(engine, rules);
  }
}

/**
 * How the parts stack, in one place (the service and the tuning tool both use it). The reply gate
 * sits outside the cleaner and judges pauses on the raw microphone: on suppressed audio the floor
 * pumps and residual noise after the word reads as speech (measured on the tuning set at 10 dB SNR:
 * 43 of 60 "reply" with the gate outside, 26 of 60 inside). Outermost, the recogniser boundary: every
 * keyword leaves with its role, whichever engine heard it.
 */
export function withCommandRules(engine: Recogniser, rules: CommandRules, cleaning?: CleaningOptions): CommandRecogniser {
  const cleaner = cleaning ? new CleanedRecogniser(engine, cleaning) : undefined;
  // While the device plays, the gate judges the user's speech against the echo the room gives it.
  const gated = new UtteranceEndGate(
    cleaner ?? engine,
    rules.words.reply,
    rules.replyGapSeconds,
    rules.replyPauseBeforeSeconds,
    rules.replyPauseBeforeNoisySeconds,
    [rules.words.cancel],
    cleaner?.roomEcho,
  );
  return new CommandRoles(gated, rules);
}
