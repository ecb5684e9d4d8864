import type { Config } from '../config/config';
import { PocketSphinxRecogniser } from './pocketsphinx-recogniser';
import type { Recogniser } from './recogniser';
import { VoskRecogniser } from './vosk-recogniser';

/** Where the installer puts the Vosk model on the device. */
export const DEFAULT_VOSK_MODEL_DIR = '/opt/snapask/vosk-model';

/** The configured offline engine: Vosk on the device, PocketSphinx where no Vosk model is installed. */
export function createRecogniser(c: Config['recogniser'], keywords: string[]): Recogniser {
  if (c.engine === 'vosk') return new VoskRecogniser({ keywords, modelDir: c.modelDir ?? DEFAULT_VOSK_MODEL_DIR });
  return new PocketSphinxRecogniser({ keywords, ...(c.modelDir ? { modelDir: c.modelDir } : {}) });
}
