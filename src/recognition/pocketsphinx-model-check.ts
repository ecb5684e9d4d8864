import * as fs from 'node:fs';
import * as path from 'node:path';
import { RecogniserError } from './recogniser';

/** What each model file must begin with. PocketSphinx ends the whole process (E_FATAL, exit 1, no message) on a garbled one. */
const HEADERS: Array<{ file: string; what: string; starts: string[]; lm?: boolean }> = [
  { file: 'en-us/mdef', what: 'an acoustic model definition', starts: ['BMDF', '0.3'] },
  { file: 'en-us/means', what: 'acoustic model means', starts: ['s3\n'] },
  { file: 'en-us/variances', what: 'acoustic model variances', starts: ['s3\n'] },
  { file: 'en-us/transition_matrices', what: 'acoustic model transition matrices', starts: ['s3\n'] },
  { file: 'en-us.lm.bin', what: 'a language model', starts: ['Trie Language Model', 'Darpa Trie LM', '\\data\\'], lm: true },
];

/**
 * Checks the model files' headers before the library sees them, so a corrupt
 * model is one clear line at start instead of the library silently ending
 * the service.
 */
export function checkPocketSphinxModel(modelDir: string, withLanguageModel: boolean): void {
  for (const h of HEADERS) {
    if (h.lm && !withLanguageModel) continue;
    const p = path.join(modelDir, h.file);
    let head: Buffer;
    try {
      const fd = fs.openSync(p, 'r');
      try {
        head = Buffer.alloc(32);
        head = head.subarray(0, fs.readSync(fd, head, 0, 32, 0));
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      throw new RecogniserError(`pocketsphinx model in ${modelDir} is incomplete: cannot read ${h.file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const text = head.toString('latin1');
    if (!h.starts.some((s) => text.startsWith(s))) {
      throw new RecogniserError(`pocketsphinx model in ${modelDir} is corrupt: ${h.file} is not ${h.what}`);
    }
  }
}
