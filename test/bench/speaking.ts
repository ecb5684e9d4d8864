/**
 * Speaking figures: from the first answer text delta to the first audio
 * sample aplay receives, through the real speaker (sentence splitter, speech
 * synthesis, one streaming aplay). The fake aplay stamps the arrival of its
 * first sound on CLOCK_MONOTONIC, the same clock as process.hrtime here.
 *
 * The answer streams like a chat model: about one token (4 characters) every
 * 15 ms (~65 tokens/s), a typical short spoken answer.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { MonotonicClock } from '../../src/clock';
import { AplaySpeaker } from '../../src/speech/aplay-speaker';
import { EspeakSynth } from '../../src/speech/espeak-synth';
import { OpenAISpeechSynth } from '../../src/speech/openai-speech-synth';
import { sentencesOf } from '../../src/speech/sentence-splitter';
import type { SpeechSynth } from '../../src/speech/speech-synth';
import { startFakeOpenAI } from '../fake-openai/server';
import { fakeEnv } from '../support/fake-bin';
import { percentile, printMetric } from './metric';

const ANSWERS = [
  'That is a ripe banana. The brown spots mean it is sweet and ready to eat today.',
  'Yes, the plant needs water. The soil looks dry and the lower leaves are starting to droop.',
  'I can see three apples and a pear on the table. Two of the apples are red.',
  'This is a 10 millimetre hex bolt. You will need a matching nut and a spanner of the same size.',
  'It says the parcel will arrive on Tuesday. You do not need to be home to sign for it.',
];
const TOKEN_CHARS = 4;
const TOKEN_MS = 15;
const now = () => Number(process.hrtime.bigint()) / 1e9;

async function firstDeltaToAudio(synth: SpeechSynth, rounds: number): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-bench-spk-'));
    const log = join(dir, 'aplay.log');
    const speaker = new AplaySpeaker({ synth, clock: new MonotonicClock(), env: fakeEnv({ FAKE_APLAY_LOG: log, FAKE_APLAY_SPEEDUP: '50' }) });
    const text = ANSWERS[r % ANSWERS.length]!;
    let firstDelta = 0;
    const deltas = async function* (): AsyncIterable<string> {
      for (let i = 0; i < text.length; i += TOKEN_CHARS) {
        await new Promise((res) => setTimeout(res, TOKEN_MS));
        if (!firstDelta) firstDelta = now();
        yield text.slice(i, i + TOKEN_CHARS);
      }
    };
    await speaker.speak(sentencesOf(deltas()));
    const first = Number(readFileSync(log, 'utf8').split('\n')[0]!.split(' ')[1]);
    out.push((first - firstDelta) * 1000);
  }
  return out;
}

export async function speakingBench(): Promise<void> {
  const espeak = await firstDeltaToAudio(new EspeakSynth(), 20);
  printMetric({ metric: 'first_delta_to_audio_ms_p50', value: percentile(espeak, 50), unit: 'ms', engine: 'espeak-ng' });
  printMetric({ metric: 'first_delta_to_audio_ms_p95', value: percentile(espeak, 95), unit: 'ms', target: 400, engine: 'espeak-ng' });
  const fake = await startFakeOpenAI();
  try {
    const client = new OpenAI({ apiKey: 'bench', baseURL: fake.url });
    // The double answers after a realistic 300 ms (OpenAI's first audio for a short sentence), then our side of the
    // cloud path (the first sentence's wait, HTTP, decoding, playback start) adds the rest.
    fake.latencyMs['POST /audio/speech'] = 300;
    const cloud = await firstDeltaToAudio(new OpenAISpeechSynth({ client, model: 'gpt-4o-mini-tts', voice: 'alloy', format: 'pcm', timeoutMs: 5000 }), 20);
    if (fake.violations.length) throw new Error(`speech requests broke the spec: ${fake.violations[0]}`);
    printMetric({ metric: 'first_delta_to_audio_ms_p50_cloud', value: percentile(cloud, 50), unit: 'ms', engine: 'openai gpt-4o-mini-tts (test double, 300 ms)' });
    printMetric({ metric: 'first_delta_to_audio_ms_p95_cloud', value: percentile(cloud, 95), unit: 'ms', target: 700, engine: 'openai gpt-4o-mini-tts (test double, 300 ms)' });
  } finally {
    await fake.close();
  }
}

if (require.main === module) {
  speakingBench().catch((e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
