import type { PlaybackReference } from '../audio/playback-reference';
import type { Config } from '../config/config';
import { CleanedRecogniser, DEFAULT_NOISE_SUPPRESS_DB } from './cleaned-recogniser';
import { spottedWords, type CommandRules } from './command-words';
import { PocketSphinxRecogniser } from './pocketsphinx-recogniser';
import type { Recogniser } from './recogniser';
import { UtteranceEndGate } from './utterance-end-gate';
import { VoskRecogniser } from './vosk-recogniser';

/** Where the installer puts the Vosk model on the device. */
export const DEFAULT_VOSK_MODEL_DIR = '/opt/snapask/vosk-model';

/** The configured offline engine (Vosk on the device, PocketSphinx where no Vosk model is installed), without the command rules. */
export function createEngine(c: Config['recogniser'], rules: CommandRules, o: { transcribe?: boolean } = {}): Recogniser {
  const keywords = spottedWords(rules);
  if (c.engine === 'vosk') return new VoskRecogniser({ keywords, modelDir: c.modelDir ?? DEFAULT_VOSK_MODEL_DIR });
  return new PocketSphinxRecogniser({
    keywords,
    thresholds: rules.thresholds,
    ...(c.modelDir ? { modelDir: c.modelDir } : {}),
    ...(o.transcribe === false ? { transcribe: false } : {}),
  });
}

/**
 * The engine with the command rules applied ("reply" only at the end of an utterance), hearing the
 * microphone cleaned: the speaker's echo cancelled (given what it played) and noise suppressed.
 */
export function createRecogniser(
  c: Config['recogniser'],
  rules: CommandRules,
  o: { transcribe?: boolean; echo?: PlaybackReference; warn?: (message: string) => void } = {},
): Recogniser {
  const gated = new UtteranceEndGate(createEngine(c, rules, o), rules.words.reply, rules.replyGapSeconds);
  const suppressDb = c.noiseSuppressDb ?? DEFAULT_NOISE_SUPPRESS_DB;
  if (suppressDb === 0 && !o.echo) return gated;
  try {
    return new CleanedRecogniser(gated, { suppressDb, ...(o.echo ? { echo: o.echo } : {}) });
  } catch (e) {
    // Without the cleaner the appliance still hears commands in a quiet room: run, and say what is missing.
    o.warn?.(`microphone cleaning off (no echo cancelling, no noise suppression): ${(e as Error).message}`);
    return gated;
  }
}
