import { decodeToPcm } from '../audio/flac';
import { SAMPLE_RATE } from '../audio/audio-source';
import { withoutCommandWords } from './cloud-transcriber';
import { spottedWords, type CommandRules } from './command-words';
import { PocketSphinxRecogniser } from './pocketsphinx-recogniser';
import type { RecogniserSettings } from './recogniser-settings';

/**
 * The device's own transcript of spooled audio (any format ffmpeg reads): PocketSphinx's language model, for
 * audio the cloud refused. Loaded for the occasion and closed after it: it is rare, and in cloud mode the
 * running recogniser has no language model.
 */
export async function offlineTranscript(audio: Buffer, c: RecogniserSettings, rules: CommandRules): Promise<string> {
  const pcm = await decodeToPcm(audio);
  // The configured model directory is PocketSphinx's only for the engines that use PocketSphinx's transcript.
  const modelDir = c.engine !== 'vosk' ? c.modelDir : undefined;
  const engine = new PocketSphinxRecogniser({ keywords: spottedWords(rules), ...(modelDir ? { modelDir } : {}) });
  const heard: string[] = [];
  try {
    const step = SAMPLE_RATE / 10;
    for (let i = 0; i * step * 2 < pcm.length; i++) {
      const chunk = pcm.subarray(i * step * 2, (i + 1) * step * 2);
      for (const e of engine.accept({ pcm: chunk, t: i / 10 })) if (e.type === 'transcript') heard.push(e.text);
    }
    for (const e of engine.flush()) if (e.type === 'transcript') heard.push(e.text);
  } finally {
    engine.close();
  }
  return withoutCommandWords(heard.join(' '), Object.values(rules.words));
}
