import { existsSync } from 'node:fs';
import { loadConfig, spokenCommands } from '../../src/config/config';
import { commandRules } from '../../src/recognition/command-words';
import { createRecogniser, DEFAULT_VOSK_MODEL_DIR } from '../../src/recognition/create-recogniser';
import type { HeardWord, TimedWord } from '../../src/recognition/recogniser';
import { questionText } from '../../src/turn/question-text';
import { toChunks } from '../support/speech';
import { questionStream, RATES, VOICES, type Stream } from './keywords-corpus';
import { printMetric } from './metric';

/** Lower case, letters, digits and apostrophes: what a word error is counted on. */
function wordsOf(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').split(/\s+/).filter(Boolean);
}

/** Substitutions, deletions and insertions turning `ref` into `hyp` (word-level Levenshtein). */
export function wordEdits(ref: string[], hyp: string[]): number {
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++) cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[hyp.length]!;
}

/**
 * The offline transcript of each question of one stream as the turn logic makes it (the words heard from the
 * last "reply" to this one, command words left out) against what was said: [edits, reference words].
 */
function streamErrors(stream: Stream, engine: 'pocketsphinx' | 'learned' | 'vosk'): [number, number] {
  const { config } = loadConfig(undefined, {});
  const c = { ...config.recogniser, engine };
  const rec = createRecogniser(c, commandRules(spokenCommands(config), c), { transcribe: true });
  const words: HeardWord[] = [];
  const keywords: TimedWord[] = [];
  try {
    for (const chunk of [...toChunks(stream.pcm), undefined]) {
      for (const e of chunk ? rec.accept(chunk) : rec.flush()) {
        if (e.type === 'transcript') words.push(...e.words);
        else keywords.push(e);
      }
    }
  } finally {
    rec.close();
  }
  let edits = 0;
  let total = 0;
  let from = 0;
  let ref: string[] = [];
  for (const part of stream.said) {
    if (part.text === 'snapshot') continue;
    if (part.text !== 'reply') {
      ref.push(...wordsOf(part.text));
      continue;
    }
    // Bounded by the true times: this measures the words, not where the question was found to begin.
    const hyp = wordsOf(questionText(words, keywords, from, part.start));
    edits += wordEdits(ref, hyp);
    total += ref.length;
    from = part.end;
    ref = [];
  }
  return [edits, total];
}

/**
 * `offline_transcript_wer`: the word error rate of the offline transcript (the fallback's quality when the
 * cloud cannot transcribe, and the question itself in offline mode) on the keyword bench's questions, the
 * target voices at the normal rate, for each engine that has a transcriber. No target: reported.
 */
export async function offlineWerBench(): Promise<void> {
  const streams: Stream[] = [];
  // The same streams (voice, rate, seed) as the keyword bench's questions at rate 1.
  let i = 0;
  for (const voice of VOICES) {
    for (const rate of RATES) {
      if (voice.group === 'target' && rate === 1) streams.push(await questionStream(voice, rate, i));
      i++;
    }
  }
  const engines: Array<'pocketsphinx' | 'learned' | 'vosk'> = ['pocketsphinx', 'learned'];
  if (existsSync(DEFAULT_VOSK_MODEL_DIR)) engines.push('vosk');
  for (const engine of engines) {
    let edits = 0;
    let total = 0;
    for (const s of streams) {
      const [e, n] = streamErrors(s, engine);
      edits += e;
      total += n;
    }
    const engineName = engine === 'learned' ? 'learned (PocketSphinx transcribes)' : engine;
    printMetric({ metric: 'offline_transcript_wer', value: edits / total, unit: 'ratio', engine: engineName });
  }
}
