import type { Config } from '../config/config';
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

/** The engine with the command rules applied: "reply" only at the end of an utterance. */
export function createRecogniser(c: Config['recogniser'], rules: CommandRules, o: { transcribe?: boolean } = {}): Recogniser {
  return new UtteranceEndGate(createEngine(c, rules, o), rules.words.reply, rules.replyGapSeconds);
}
