/**
 * Commands over the appliance's own playback, for every engine as the service builds it (echo canceller and
 * noise suppressor, engine, command rules), told what the speaker played:
 *  - kws_false_commands_per_hour_of_own_voice: any command word heard in the appliance's own voice alone, over
 *    at least PLAYBACK_OWN_MINUTES (30) of answers spoken by flite, festival and espeak-ng voices, some of them
 *    holding the command words themselves ("take another snapshot", "reply to the letter", "stop watering");
 *    the echo as loud at the microphone as the user's voice;
 *  - kws_stop_recall_over_playback_<ratio> and kws_reply_recall_over_playback_<ratio>: the user's "stop", and a
 *    short question ended by "reply", said over an answer (flite and festival voices, three rates), the user's
 *    speech 0, 12 and 40 dB above the echo at the microphone (RMS).
 * The echo reaches the microphone through a simulated room the canceller is not told about (test/support/room.ts:
 * 15 ms more latency than it assumes, reflections up to 70 ms), through a speaker that clips and on a clock that
 * drifts (ECHO_PATH). Each trial is heard as in the service: an earlier answer (which the canceller learns from),
 * the user's question, then the answer the word is said over.
 */
import { PlaybackReference } from '../../src/audio/playback-reference';
import type { Config } from '../../src/config/config';
import { createRecogniser } from '../../src/recognition/create-recogniser';
import type { KeywordEvent } from '../../src/recognition/recogniser';
import { synthesise, toChunks, type SpeechEngine } from '../support/speech';
import { RULES } from '../support/recognise';
import { FILLER_SENTENCES, NEAR_MISS_SENTENCES, RATES, rng, VOICES } from './keywords-corpus';
import { printMetric } from './metric';
import { ECHO_LATENCY, echoGainFor, rms, throughNonLinearRoom, VOICE_RMS, withVoice, type EchoNonLinearity } from '../support/room';

/** The canceller's playback model assumes this latency, 15 ms less than the room's (see test/support/room.ts). */
const MODEL_LATENCY = ECHO_LATENCY - 0.015;
/** A speaker driven into clipping at 40 % of the answer's peak, and 100 ppm between the two clocks (6 ms a minute). */
const ECHO_PATH: EchoNonLinearity = { clipAt: 0.4, driftPpm: 100 };
/** The user's questions before the answers "stop" is said over, and the ones said over an answer with "reply". */
const QUESTIONS = ['what kind of plant is this and does it need more water', 'how do I fix this', 'is this ripe yet'];
/** Seconds of an earlier answer the canceller has heard before each trial. */
const WARM_SECONDS = 8;
/** Seconds of the answer a word is said over, from its start (enough for the word, its gap, and answer after it). */
const TRIAL_ANSWER_SECONDS = 14;

/** Sentences an answer may say that hold the command words themselves. */
const WITH_COMMAND_WORDS = [
  'if the label is blurred take another snapshot from closer',
  'your snapshot shows a young tomato plant with yellow leaves',
  'you can reply to the letter by the end of the month',
  'I would stop watering it for a week',
  'stop the water before you take the handle off',
  'press reply in the email to answer it',
  'the sign says the bus stop has moved across the road',
  'you could cancel the order if it has not shipped yet',
  'the snapshot is a little dark but the leaves look healthy',
  'when you have finished your question just say reply',
  'say stop if you want me to stop talking',
  'the second snapshot shows the back of the box',
];

/** The appliance's voices: flite, festival and espeak-ng, as the owner may configure them. */
const OWN_VOICES: Array<{ engine: SpeechEngine; voice: string }> = [
  { engine: 'espeak-ng', voice: 'en-us' },
  { engine: 'flite', voice: 'slt' },
  { engine: 'festival', voice: 'kal_diphone' },
  { engine: 'espeak-ng', voice: 'en-gb+f3' },
  { engine: 'flite', voice: 'awb' },
  { engine: 'festival', voice: 'ked_diphone' },
  { engine: 'flite', voice: 'kal' },
  { engine: 'espeak-ng', voice: 'en-us+m3' },
];

interface EngineUnderTest {
  name: string;
  config: Config['recogniser'];
}

/**
 * The command words the service's recogniser path finds in the microphone's audio from the moment `played` was
 * handed to the player (events from 0 on); with `aec`, it cancels that playback's echo. As in the service, the
 * microphone has heard an earlier answer (`before`, handed over WARM_SECONDS before) and then the user's question
 * (`voice.question`) before this answer: neither is counted. Without the question, "stop" was the first speech
 * the recogniser heard, decoded before PocketSphinx had a cepstral mean from speech (measured at 40 dB: 3 of 15
 * without it, 8 of 15 with it).
 */
function heard(engine: EngineUnderTest, voice: { pcm: Buffer; at: number; question: Buffer } | null, played: Buffer, before: Buffer, echoGain: number): KeywordEvent[] {
  const warm = before.subarray(0, WARM_SECONDS * 16000 * 2);
  const question = voice?.question ?? Buffer.alloc(0);
  const t0 = -(WARM_SECONDS + 1) - (question.length >> 1) / 16000;
  const echo = new PlaybackReference(MODEL_LATENCY);
  const rec = createRecogniser(engine.config, RULES, { transcribe: false, echo });
  const echoed = throughNonLinearRoom(played, ECHO_PATH, undefined, echoGain);
  const mic = Buffer.concat([throughNonLinearRoom(warm, ECHO_PATH, WARM_SECONDS + 1, echoGain), question, voice ? withVoice(echoed, voice.pcm, voice.at) : echoed]);
  // The speaker is handed its audio as it plays, 0.1 s at a time (the reference keeps only the last seconds).
  const handed = [...pieces(warm, t0), ...pieces(played, 0)];
  const events: KeywordEvent[] = [];
  try {
    for (const c of toChunks(mic, t0)) {
      while (handed.length && handed[0]!.t <= c.t + 0.1) echo.append(handed[0]!.pcm, handed.shift()!.t);
      for (const e of rec.accept(c)) if (e.type === 'keyword') events.push(e);
    }
    for (const e of rec.flush()) if (e.type === 'keyword') events.push(e);
  } finally {
    rec.close();
  }
  return events.filter((e) => e.start >= 0);
}

/** `pcm` handed to the player from `t0` in 0.1 s pieces, each as it is due. */
function pieces(pcm: Buffer, t0: number): Array<{ t: number; pcm: Buffer }> {
  const step = 3200;
  return Array.from({ length: Math.ceil(pcm.length / step) }, (_, k) => ({ t: t0 + k * 0.1, pcm: pcm.subarray(k * step, (k + 1) * step) }));
}

function scaled(pcm: Buffer, gain: number): Buffer {
  const out = Buffer.alloc(pcm.length);
  for (let i = 0; i < pcm.length; i += 2) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(gain * pcm.readInt16LE(i)))), i);
  return out;
}

/** Answers of six sentences in turn by each own voice, one or two of them with command words, `minutes` in all. */
async function ownAnswers(minutes: number): Promise<{ answers: Buffer[]; seconds: number; withWords: number }> {
  const ordinary = [...NEAR_MISS_SENTENCES, ...FILLER_SENTENCES];
  const r = rng(2027);
  const answers: Buffer[] = [];
  let seconds = 0;
  let withWords = 0;
  for (let a = 0; seconds < minutes * 60; a++) {
    const texts = Array.from({ length: 6 }, () => ordinary[Math.floor(r() * ordinary.length)]!);
    for (let k = 0; k < 1 + (a % 2); k++) texts[Math.floor(r() * texts.length)] = WITH_COMMAND_WORDS[withWords++ % WITH_COMMAND_WORDS.length]!;
    const s = await synthesise(
      texts.map((text) => ({ text })),
      OWN_VOICES[a % OWN_VOICES.length]!,
    );
    answers.push(s.pcm);
    seconds += s.duration;
  }
  return { answers, seconds, withWords };
}

export async function bargeInBench(): Promise<void> {
  const minutes = Number(process.env.PLAYBACK_OWN_MINUTES ?? '30');
  const own = await ownAnswers(minutes);
  // The answers words are said over: the own voices' answers cut into pieces of TRIAL_ANSWER_SECONDS.
  const all = Buffer.concat(own.answers);
  const piece = TRIAL_ANSWER_SECONDS * 32000;
  const trialAnswers = Array.from({ length: Math.floor(all.length / piece) }, (_, k) => all.subarray(k * piece, (k + 1) * piece));
  const engines: EngineUnderTest[] = [
    { name: 'learned', config: { engine: 'learned' } },
    { name: 'pocketsphinx', config: { engine: 'pocketsphinx' } },
    { name: 'combined', config: { engine: 'combined' } },
  ];
  const only = (process.env.PLAYBACK_ENGINES ?? '').split(',').filter(Boolean);
  const ratios = (process.env.PLAYBACK_RATIOS ?? '0,12,40').split(',').map(Number);
  // PLAYBACK_USERS=tuning: training speakers say the words, for choosing a constant (the figures use the bench's voices).
  const users =
    process.env.PLAYBACK_USERS === 'tuning'
      ? [
          { engine: 'flite' as const, voice: 'kal16' },
          { engine: 'flite' as const, voice: 'slt' },
          { engine: 'festival' as const, voice: 'kal_diphone' },
          { engine: 'espeak-ng' as const, voice: 'en-gb+m3' },
          { engine: 'festival' as const, voice: 'cmu_us_slt_arctic_hts' },
        ]
      : VOICES.filter((v) => v.group === 'target');
  for (const engine of engines.filter((e) => !only.length || only.includes(e.name))) {
    const e = engine.name;
    const falseCommands: Record<string, number> = {};
    own.answers.forEach((a, k) => {
      // The answer as loud at the microphone as the user's voice.
      for (const ev of heard(engine, null, a, own.answers[(k + 1) % own.answers.length]!, echoGainFor(a, 0))) {
        falseCommands[ev.word] = (falseCommands[ev.word] ?? 0) + 1;
        process.stderr.write(`  ${e} own voice: "${ev.word}" in answer ${k} at ${ev.start.toFixed(2)} s\n`);
      }
    });
    const total = Object.values(falseCommands).reduce((x, y) => x + y, 0);
    printMetric({ metric: 'kws_own_voice_minutes', value: own.seconds / 60, unit: 'min', engine: e });
    printMetric({ metric: 'kws_own_voice_sentences_with_command_words', value: own.withWords, unit: 'sentences', engine: e });
    printMetric({ metric: 'kws_false_commands_per_hour_of_own_voice', value: (total * 3600) / own.seconds, unit: '1/h', target: 0, engine: e });
    printMetric({ metric: 'kws_false_stops_per_hour_of_own_voice', value: ((falseCommands.stop ?? 0) * 3600) / own.seconds, unit: '1/h', engine: e });
    for (const ratioDb of ratios) {
      const found = { stop: 0, reply: 0 };
      let said = 0;
      let i = 0;
      const r = rng(777);
      for (const voice of users) {
        for (const rate of RATES) {
          const voiceOpts = { engine: voice.engine, voice: voice.voice, rate };
          const stop = await synthesise([{ text: 'stop' }], voiceOpts);
          const text = QUESTIONS[i % QUESTIONS.length]!;
          const question = await synthesise([{ text }, { silence: 0.5 }, { text: 'reply' }, { silence: 1 }], voiceOpts);
          // The question said over the answer: its words, a pause, "reply", and the answer going on after it.
          const over = await synthesise([{ text }, { silence: 0.5 }, { text: 'reply' }], voiceOpts);
          const reply = over.words.at(-1)!;
          const played = trialAnswers[i++ % trialAnswers.length]!;
          const before = trialAnswers[i % trialAnswers.length]!;
          const level = VOICE_RMS / rms(stop.pcm);
          const gain = echoGainFor(played, ratioDb);
          const at = 2 + r() * (TRIAL_ANSWER_SECONDS - 4 - stop.duration);
          // The question at the level the user says "stop" at.
          const stops = heard(engine, { pcm: stop.pcm, at, question: scaled(question.pcm, level) }, played, before, gain);
          if (stops.some((x) => x.word === 'stop' && x.start >= at - 0.3 && x.start <= at + stop.duration)) found.stop++;
          else process.stderr.write(`  ${e} ${ratioDb} dB: "stop" of ${voice.voice}x${rate} missed (said at ${at.toFixed(2)} s)\n`);
          const from = 1 + r() * Math.max(0, TRIAL_ANSWER_SECONDS - 3 - over.duration);
          const replies = heard(engine, { pcm: over.pcm, at: from, question: Buffer.alloc(0) }, played, before, gain);
          if (replies.some((x) => x.word === 'reply' && x.start >= from + reply.start - 0.3 && x.start <= from + reply.end)) found.reply++;
          else process.stderr.write(`  ${e} ${ratioDb} dB: "reply" of ${voice.voice}x${rate} missed (said at ${(from + reply.start).toFixed(2)} s; heard ${replies.map((x) => `${x.word}@${x.start.toFixed(2)}`).join(' ') || 'nothing'})\n`);
          said++;
        }
      }
      printMetric({ metric: `kws_stop_recall_over_playback_${ratioDb}db`, value: found.stop / said, unit: 'ratio', ...(ratioDb === 12 ? { target: 0.9, better: 'higher' as const } : {}), engine: e });
      printMetric({ metric: `kws_reply_recall_over_playback_${ratioDb}db`, value: found.reply / said, unit: 'ratio', ...(ratioDb === 12 ? { target: 0.9, better: 'higher' as const } : {}), engine: e });
    }
  }
}

if (require.main === module) {
  bargeInBench().catch((e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
