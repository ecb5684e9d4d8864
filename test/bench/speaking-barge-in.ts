/**
 * Barge-in figures: the microphone hears the appliance's own voice (espeak-ng,
 * as the answer is spoken) and, somewhere in it, the user saying "stop".
 *  - kws_stop_recall_over_playback_<ratio>: "stop" (flite and festival voices,
 *    three rates) found over the playback, with the user's speech 0, 12 and
 *    40 dB above the playback's echo at the microphone (RMS);
 *  - kws_false_stops_per_hour_of_own_voice: "stop" heard in the appliance's
 *    own voice alone (answers full of "shop", "post", "stopped"...), each of
 *    which would cut an answer short.
 * The recogniser path is the service's (engine + command rules).
 */
import { commandRules } from '../../src/recognition/command-words';
import { createRecogniser } from '../../src/recognition/create-recogniser';
import type { KeywordEvent } from '../../src/recognition/recogniser';
import { synthesise, toChunks } from '../support/speech';
import { FILLER_SENTENCES, NEAR_MISS_SENTENCES, RATES, rng, VOICES } from './keywords-corpus';
import { printMetric } from './metric';

const RULES = commandRules({ snapshot: 'snapshot', reply: 'reply', cancel: 'cancel', stop: 'stop' });

function stops(pcm: Buffer): KeywordEvent[] {
  const rec = createRecogniser({ engine: 'pocketsphinx' }, RULES, { transcribe: false });
  const out: KeywordEvent[] = [];
  try {
    for (const c of toChunks(pcm)) for (const e of rec.accept(c)) if (e.type === 'keyword' && e.word === 'stop') out.push(e);
    for (const e of rec.flush()) if (e.type === 'keyword' && e.word === 'stop') out.push(e);
  } finally {
    rec.close();
  }
  return out;
}

function rms(pcm: Buffer): number {
  let s = 0;
  for (let i = 0; i < pcm.length; i += 2) s += pcm.readInt16LE(i) ** 2;
  return Math.sqrt(s / Math.max(1, pcm.length / 2));
}

/** `voice` mixed into `echo` at `at` seconds, the voice `ratioDb` louder than the echo (RMS of each as a whole). */
function mix(echo: Buffer, voice: Buffer, at: number, ratioDb: number): Buffer {
  const out = Buffer.from(echo);
  const start = Math.round(at * 16000) * 2;
  const gain = (rms(echo) * Math.pow(10, ratioDb / 20)) / Math.max(1, rms(voice));
  for (let i = 0; i < voice.length && start + i + 1 < out.length; i += 2) {
    const v = out.readInt16LE(start + i) + gain * voice.readInt16LE(i);
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), start + i);
  }
  return out;
}

export async function bargeInBench(): Promise<void> {
  const rand = rng(777);
  // The appliance's voice: answers made of ordinary sentences, spoken by espeak-ng as the speaker does.
  const sentences = [...NEAR_MISS_SENTENCES, ...FILLER_SENTENCES];
  const answers: Buffer[] = [];
  let ownSeconds = 0;
  for (let a = 0; ownSeconds < 600; a++) {
    const parts = Array.from({ length: 6 }, (_, i) => ({ text: sentences[(a * 6 + i) % sentences.length]! }));
    const s = await synthesise(parts, { engine: 'espeak-ng', voice: 'en-us' });
    answers.push(s.pcm);
    ownSeconds += s.duration;
  }
  let falseStops = 0;
  for (const a of answers) falseStops += stops(a).length;
  printMetric({ metric: 'kws_false_stops_per_hour_of_own_voice', value: (falseStops * 3600) / ownSeconds, unit: '1/h', engine: 'pocketsphinx' });

  for (const ratioDb of [0, 12, 40]) {
    let said = 0;
    let found = 0;
    let i = 0;
    for (const voice of VOICES.filter((v) => v.group === 'target')) {
      for (const rate of RATES) {
        const stop = await synthesise([{ text: 'stop' }], { engine: voice.engine, voice: voice.voice, rate });
        const echo = answers[i++ % answers.length]!;
        const at = 2 + rand() * ((echo.length >> 1) / 16000 - 4);
        const heard = stops(mix(echo, stop.pcm, at, ratioDb));
        said++;
        if (heard.some((e) => e.start >= at - 0.3 && e.start <= at + stop.duration)) found++;
      }
    }
    printMetric({ metric: `kws_stop_recall_over_playback_${ratioDb}db`, value: found / said, unit: 'ratio', engine: 'pocketsphinx' });
  }
}

if (require.main === module) {
  bargeInBench().catch((e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
