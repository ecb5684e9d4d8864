/**
 * Barge-in figures: the microphone hears the appliance's own voice (espeak-ng,
 * as the answer is spoken) and, somewhere in it, the user saying "stop".
 *  - kws_stop_recall_over_playback_<ratio>: "stop" (flite and festival voices,
 *    three rates) found over the playback, with the user's speech 0, 12 and
 *    40 dB above the playback's echo at the microphone (RMS);
 *  - kws_false_stops_per_hour_of_own_voice: "stop" heard in the appliance's
 *    own voice alone (answers full of "shop", "post", "stopped"...), each of
 *    which would cut an answer short.
 * The recogniser path is the service's (echo canceller and noise suppressor,
 * engine, command rules), told what the speaker played; the echo reaches the
 * microphone through a simulated room it is not told about (test/support/room.ts).
 * Each figure is also given `_without_echo_cancelling`, side by side. Each "stop"
 * trial is heard as in the service: an earlier answer, the user's question, then the answer.
 */
import { PlaybackReference } from '../../src/audio/playback-reference';
import { createRecogniser } from '../../src/recognition/create-recogniser';
import type { KeywordEvent } from '../../src/recognition/recogniser';
import { synthesise } from '../support/speech';
import { keywordsIn, RULES } from '../support/recognise';
import { FILLER_SENTENCES, NEAR_MISS_SENTENCES, RATES, rng, VOICES } from './keywords-corpus';
import { printMetric } from './metric';
import { ECHO_LATENCY, echoGainFor, rms, throughRoom, VOICE_RMS, withVoice } from '../support/room';


/** The canceller's playback model assumes this latency, 15 ms less than the room's (see test/support/room.ts). */
const MODEL_LATENCY = ECHO_LATENCY - 0.015;
/** The user's questions before the answers "stop" is said over. */
const QUESTIONS = ['what kind of plant is this and does it need more water', 'how do I fix this', 'is this ripe yet'];
/** Seconds of an earlier answer the canceller has heard before each trial. */
const WARM_SECONDS = 8;

/**
 * "stop" events the service's recogniser path finds in `heard`, the microphone's audio from the moment
 * `played` was handed to the player; with `aec`, it cancels that playback's echo. As in the service, the
 * microphone has heard an earlier answer (`before`, whose echo the canceller learnt from, handed over
 * WARM_SECONDS before) and then the user's question (`voice.question`) before this answer: neither is
 * counted. Without the question, "stop" was the first speech the recogniser heard, decoded before
 * PocketSphinx had a cepstral mean from speech (measured at 40 dB: 3 of 15 without it, 8 of 15 with it).
 */
function stops(voice: { pcm: Buffer; at: number; question: Buffer } | null, played: Buffer, before: Buffer, echoGain: number, aec: boolean): KeywordEvent[] {
  let echo: PlaybackReference | undefined;
  const warm = before.subarray(0, WARM_SECONDS * 16000 * 2);
  const question = voice?.question ?? Buffer.alloc(0);
  const t0 = -(WARM_SECONDS + 1) - (question.length >> 1) / 16000;
  if (aec) {
    echo = new PlaybackReference(MODEL_LATENCY);
    echo.append(warm, t0);
    echo.append(played, 0);
  }
  const rec = createRecogniser({ engine: 'pocketsphinx' }, RULES, { transcribe: false, ...(echo ? { echo } : {}) });
  const echoed = throughRoom(played, undefined, echoGain);
  const heard = voice ? withVoice(echoed, voice.pcm, voice.at) : echoed;
  const mic = Buffer.concat([throughRoom(warm, WARM_SECONDS + 1, echoGain), question, heard]);
  return keywordsIn(rec, mic, t0).filter((e) => e.word === 'stop' && e.start >= 0);
}

function scaled(pcm: Buffer, gain: number): Buffer {
  const out = Buffer.alloc(pcm.length);
  for (let i = 0; i < pcm.length; i += 2) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(gain * pcm.readInt16LE(i)))), i);
  return out;
}

export async function bargeInBench(): Promise<void> {
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
  for (const aec of [true, false]) {
    const suffix = aec ? '' : '_without_echo_cancelling';
    let falseStops = 0;
    answers.forEach((a, k) => {
      // The answer as loud at the microphone as the user's voice.
      falseStops += stops(null, a, answers[(k + 1) % answers.length]!, echoGainFor(a, 0), aec).length;
    });
    printMetric({ metric: `kws_false_stops_per_hour_of_own_voice${suffix}`, value: (falseStops * 3600) / ownSeconds, unit: '1/h', engine: 'pocketsphinx' });
    const r = rng(777);
    for (const ratioDb of [0, 12, 40]) {
      let said = 0;
      let found = 0;
      let i = 0;
      for (const voice of VOICES.filter((v) => v.group === 'target')) {
        for (const rate of RATES) {
          const voiceOpts = { engine: voice.engine, voice: voice.voice, rate };
          const stop = await synthesise([{ text: 'stop' }], voiceOpts);
          const question = await synthesise([{ text: QUESTIONS[i % QUESTIONS.length]! }, { silence: 0.5 }, { text: 'reply' }, { silence: 1 }], voiceOpts);
          const played = answers[i++ % answers.length]!;
          const at = 2 + r() * ((played.length >> 1) / 16000 - 4);
          // The question at the level the user says "stop" at.
          const heard = stops({ pcm: stop.pcm, at, question: scaled(question.pcm, VOICE_RMS / rms(stop.pcm)) }, played, answers[i % answers.length]!, echoGainFor(played, ratioDb), aec);
          said++;
          if (heard.some((e) => e.start >= at - 0.3 && e.start <= at + stop.duration)) found++;
        }
      }
      printMetric({ metric: `kws_stop_recall_over_playback_${ratioDb}db${suffix}`, value: found / said, unit: 'ratio', engine: 'pocketsphinx' });
    }
  }
}

if (require.main === module) {
  bargeInBench().catch((e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
