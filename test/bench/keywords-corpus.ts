/**
 * The keyword benchmark's audio, generated and cached (build/speech-cache for
 * the speech, build/bench-cache for the noise), so reruns only recognise.
 *
 *  - Questions: each voice x speaking rate speaks four questions holding 0, 1,
 *    2 and 3 "snapshot"s and ending in "reply", as one continuous stream (the
 *    service hears a stream, not clips). The phrases are not the ones the
 *    PocketSphinx thresholds were tuned on (test/recognition/pocketsphinx-recogniser.test.ts).
 *  - Noise: pink noise made by sox, mixed in at a given SNR against the power
 *    of the speech itself (ground-truth spans).
 *  - False alarms: Debian's pocketsphinx-testdata LibriVox recordings plus long
 *    synthetic passages of ordinary speech full of near misses ("reapply",
 *    "replies", "snap", "shot", "apply"...), over 30 minutes in all.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWav } from '../../src/audio/wav';
import type { KeywordEvent } from '../../src/recognition/recogniser';
import { speechCacheDir, synthesise, type SpeechEngine, type SpeechPart } from '../support/speech';

export interface Voice {
  engine: SpeechEngine;
  voice: string;
  /** Targets hold over flite and festival; espeak-ng is reported apart (its speech is far from human). */
  group: 'target' | 'espeak';
}

export const VOICES: Voice[] = [
  { engine: 'flite', voice: 'kal', group: 'target' },
  { engine: 'flite', voice: 'awb', group: 'target' },
  { engine: 'flite', voice: 'rms', group: 'target' },
  { engine: 'flite', voice: 'slt', group: 'target' },
  { engine: 'festival', voice: 'kal_diphone', group: 'target' },
  { engine: 'espeak-ng', voice: 'en-us', group: 'espeak' },
  { engine: 'espeak-ng', voice: 'en-us+f3', group: 'espeak' },
];
export const RATES = [0.85, 1, 1.2];

export interface Occurrence {
  word: string;
  start: number;
  end: number;
}

/**
 * Pairs each spoken word with the first event not yet used that stands for it (the same word, starting from
 * 0.3 s before the word to its end); the events left over are false alarms.
 */
export function matchEvents(truth: Occurrence[], events: KeywordEvent[]): { pairs: Array<{ said: Occurrence; heard?: KeywordEvent }>; extra: KeywordEvent[] } {
  const used = new Set<KeywordEvent>();
  const pairs = truth.map((said) => {
    const heard = events.find((x) => !used.has(x) && x.word === said.word && x.start >= said.start - 0.3 && x.start <= said.end);
    if (heard) used.add(heard);
    return heard ? { said, heard } : { said };
  });
  return { pairs, extra: events.filter((e) => !used.has(e)) };
}

export interface Stream {
  voice: Voice;
  rate: number;
  pcm: Buffer;
  /** Every command word said, with its true times (seconds from the stream's start). */
  truth: Occurrence[];
  /** Where speech is (for the SNR). */
  spans: Array<[number, number]>;
  /** Every text part said (phrases and command words) with its true times: the transcripts' reference. */
  said: Array<{ text: string; start: number; end: number }>;
}

const PHRASES = [
  'what kind of bird is this',
  'how old do you think this coin is',
  'can you read the label on the bottle',
  'which of these two cables is the right one',
  'is this mushroom safe to eat',
  'what is wrong with the leaves of my tomato plant',
  'how much flour is left in the jar',
  'what does the sign on the door say',
  'is the front or the back of this shirt stained',
  'which screwdriver fits this screw',
  'what colour is the wire on the left',
  'tell me what time the clock shows',
  'does this look like a good price',
  'how many biscuits are on the plate',
  'what should I cook with these vegetables',
  'is the milk still within its date',
];

/** Deterministic pseudo-random numbers (xorshift), so the corpus is the same every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/** The word that ends a question: "reply" sends it, "cancel" throws it away. */
export type EndWord = 'reply' | 'cancel';

function questionParts(snapshots: number, phraseIndex: number, rand: () => number, endWord: EndWord, pauseBefore?: number): SpeechPart[] {
  const parts: SpeechPart[] = [{ text: PHRASES[phraseIndex % PHRASES.length]! }];
  for (let j = 0; j < snapshots; j++) {
    parts.push({ silence: 0.2 + 0.2 * rand() }, { text: 'snapshot' }, { silence: 0.25 + 0.3 * rand() });
    parts.push({ text: PHRASES[(phraseIndex + j + 1) % PHRASES.length]! });
  }
  const pause = 0.5 + 0.4 * rand();
  parts.push({ silence: pauseBefore ?? pause }, { text: endWord }, { silence: 1.5 });
  return parts;
}

/**
 * The question stream of one voice at one rate: 1 s of quiet, then four questions (0..3 snapshots), each ended by
 * `endWord` after a pause of 0.5 to 0.9 s, or of `pauseBefore` seconds when given (the same phrases otherwise).
 */
export async function questionStream(voice: Voice, rate: number, index: number, endWord: EndWord = 'reply', pauseBefore?: number): Promise<Stream> {
  const rand = rng(1000 + index);
  const parts: SpeechPart[] = [{ silence: 1.0 }];
  for (const k of [0, 1, 2, 3]) parts.push(...questionParts(k, index * 4 + k, rand, endWord, pauseBefore));
  const speech = await synthesise(parts, { engine: voice.engine, voice: voice.voice, rate });
  return {
    voice,
    rate,
    pcm: speech.pcm,
    truth: speech.words.filter((w) => w.text === 'snapshot' || w.text === endWord).map((w) => ({ word: w.text, start: w.start, end: w.end })),
    spans: speech.words.map((w) => [w.start, w.end]),
    said: speech.words,
  };
}

function benchCacheDir(): string {
  const dir = join(speechCacheDir(), '..', 'bench-cache');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** 60 s of pink noise from sox (16 kHz mono), made once. */
export function pinkNoise(): Buffer {
  const path = join(benchCacheDir(), 'pink-noise-60s-repeatable.wav');
  if (!existsSync(path)) makePinkNoise(path);
  return parseWav(readFileSync(path), path).pcm;
}

/**
 * The same noise on every machine: sox -R seeds its generator with a fixed number. (Without it each fresh
 * clone had other noise, and the 10 dB recall moved by 5 of 60 between runs of the same code.)
 */
export function makePinkNoise(path: string): void {
  execFileSync('sox', ['-q', '-R', '-n', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', path, 'synth', '60', 'pinknoise', 'gain', '-12']);
}

function power(pcm: Buffer, spans: Array<[number, number]>): number {
  let sum = 0;
  let n = 0;
  for (const [a, b] of spans) {
    for (let i = Math.floor(a * 16000); i < Math.min(pcm.length >> 1, Math.ceil(b * 16000)); i++) {
      const v = pcm.readInt16LE(i * 2);
      sum += v * v;
      n++;
    }
  }
  return n ? sum / n : 0;
}

/** The stream with noise mixed in at `snrDb` (speech power over its true spans against the noise's power). */
export function withNoise(s: Pick<Stream, 'pcm' | 'spans'>, noise: Buffer, snrDb: number, offsetSeconds = 0): Buffer {
  const ps = power(s.pcm, s.spans);
  const pn = power(noise, [[0, (noise.length >> 1) / 16000]]);
  const gain = Math.sqrt(ps / pn / Math.pow(10, snrDb / 10));
  const out = Buffer.alloc(s.pcm.length);
  const nn = noise.length >> 1;
  const off = Math.floor(offsetSeconds * 16000);
  for (let i = 0; i < s.pcm.length >> 1; i++) {
    const v = s.pcm.readInt16LE(i * 2) + gain * noise.readInt16LE(((i + off) % nn) * 2);
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), i * 2);
  }
  return out;
}

const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';

/** Debian's LibriVox test recordings (pocketsphinx-testdata), one stream with a second of quiet between them. */
export function librivox(): { pcm: Buffer; spans: Array<[number, number]> } {
  if (!existsSync(LIBRIVOX)) throw new Error(`${LIBRIVOX} not found (apt-get install pocketsphinx-testdata)`);
  const pieces: Buffer[] = [Buffer.alloc(32000)];
  const spans: Array<[number, number]> = [];
  let at = 1;
  for (const f of readdirSync(LIBRIVOX).filter((x) => x.endsWith('.wav')).sort()) {
    const wav = parseWav(readFileSync(join(LIBRIVOX, f)), f);
    if (wav.sampleRate !== 16000 || wav.channels !== 1) throw new Error(`${f}: ${wav.sampleRate} Hz x${wav.channels}, 16 kHz mono expected`);
    const seconds = (wav.pcm.length >> 1) / 16000;
    spans.push([at, at + seconds]);
    pieces.push(wav.pcm, Buffer.alloc(32000));
    at += seconds + 2;
  }
  return { pcm: Buffer.concat(pieces), spans };
}

/** Ordinary speech with near misses of every command word, none of them a command. */
export const NEAR_MISS_SENTENCES = [
  'please reapply the sun cream before you go back outside',
  'we are still waiting for the replies',
  'I heard a loud snap from the garden',
  'he took a shot from the edge of the box',
  'apply the glue to both sides and wait',
  'she replied to the letter the next morning',
  'the branch snapped under the weight of the snow',
  'we watched a replay of the final',
  'that was a lucky shot',
  'the crocodile snapped its jaws',
  'you can apply online or by post',
  'his replies were short and polite',
  'take a quick snap of the receipt for your records',
  'the photo shoot ran late again',
  'the snap election was called in may',
  'nobody replied to my message',
  'the shop on the corner sells cheap shoes',
  'the rules apply to everyone in the building',
  'the door stopped halfway and would not close',
  'the cancellation fee is ten pounds',
  'replicas of the statue are sold in the gift shop',
  'his snappy answer made everyone laugh',
  'I applied for the job last week',
  'the kettle clicked off with a snap',
  'put the shopping on the table please',
  'it was a long shot but it worked',
  'she snapped a picture of the sunset',
  'the tap keeps dripping at night',
  'we reapplied for the permit twice',
  'the snow stopped before lunch',
  'he fired one shot into the air',
  'the applause went on for a long time',
  // Near misses at the end of a sentence, where a pause follows them as it follows a real "reply".
  'the forms are online if you want to apply',
  'I wrote to her twice and she never replied',
  'we read all of the replies',
  'it is too late to reapply',
  'what a lovely snap',
  'that was a good shot',
];

export const FILLER_SENTENCES = [
  'the train to the city leaves at half past eight',
  'my sister grows tomatoes and beans in the garden',
  'the library is closed on sundays and public holidays',
  'turn left at the church and the house is on the right',
  'we had soup and fresh bread for dinner',
  'the weather will be cold and windy tomorrow',
  'the children played football in the park until dark',
  'he keeps his tools in a wooden box in the shed',
  'the meeting has been moved to thursday afternoon',
  'there are two cats and a dog in the house next door',
  'the river was high after a week of heavy rain',
  'she reads the newspaper every morning with her coffee',
  'remember to water the plants while we are away',
  'the price of petrol went up again this month',
  'the old bridge was painted green last summer',
  'my grandfather built this table from an oak tree',
];

export interface FalseAlarmPassage {
  voice: Voice;
  pcm: Buffer;
  /** Each sentence and where it lies (seconds from the passage's start), to name what a false alarm was heard in. */
  sentences: Occurrence[];
}

/**
 * Synthetic passages of ordinary speech (half near-miss sentences) until there is at least `minSeconds` of it,
 * spread over the voices. The benchmark uses the default seed; the tuning tool another, so that rules are not
 * chosen on the passages they are judged on.
 */
export async function falseAlarmPassages(minSeconds: number, seed = 4242): Promise<FalseAlarmPassage[]> {
  const rand = rng(seed);
  const out: FalseAlarmPassage[] = [];
  let total = 0;
  for (let p = 0; total < minSeconds; p++) {
    const passage = await synthesisePassage(p, rand);
    out.push(passage);
    total += (passage.pcm.length >> 1) / 16000;
  }
  return out;
}

/** Passage `index` of falseAlarmPassages(..., seed) alone, without making the ones before it (tests). */
export async function falseAlarmPassage(index: number, seed: number): Promise<FalseAlarmPassage> {
  const rand = rng(seed);
  for (let i = 0; i < index * PASSAGE_SENTENCES * 2; i++) rand();
  return synthesisePassage(index, rand);
}

const PASSAGE_SENTENCES = 12;

/** Passage `p`: its voice and rate by index, its sentences and pauses drawn from `rand` (2 draws a sentence). */
async function synthesisePassage(p: number, rand: () => number): Promise<FalseAlarmPassage> {
  const voices = VOICES.filter((v) => v.voice !== 'en-us+f3');
  const voice = voices[p % voices.length]!;
  const parts: SpeechPart[] = [{ silence: 1.0 }];
  for (let i = 0; i < PASSAGE_SENTENCES; i++) {
    const pool = i % 2 === 0 ? NEAR_MISS_SENTENCES : FILLER_SENTENCES;
    parts.push({ text: pool[Math.floor(rand() * pool.length)]! }, { silence: 0.3 + 0.9 * rand() });
  }
  const speech = await synthesise(parts, { engine: voice.engine, voice: voice.voice, rate: RATES[p % RATES.length]! });
  return { voice, pcm: speech.pcm, sentences: speech.words.map((w) => ({ word: w.text, start: w.start, end: w.end })) };
}

/** A stream of ordinary speech as the recogniser hears it: where its speech is (for the SNR) and what was said where. */
export interface FalseAlarmStream {
  name: string;
  pcm: Buffer;
  spans: Array<[number, number]>;
  sentences: Occurrence[];
}

/** The spans of speech of timed sentences. */
export function spansOf(sentences: Occurrence[]): Array<[number, number]> {
  return sentences.map((x): [number, number] => [x.start, x.end]);
}

/**
 * Command words heard in the streams (each with noise at `noisy.snr` dB SNR, from `noisy.offset(i)` seconds into
 * the noise, or clean): how many of each word, in how many seconds of audio, and each one named with where it was
 * heard and the sentence it was heard in.
 */
export function falseAlarmsIn(
  streams: FalseAlarmStream[],
  recognise: (pcm: Buffer) => KeywordEvent[],
  noisy?: { noise: Buffer; snr: number; offset: (i: number) => number },
): { seconds: number; count: Record<string, number>; heard: string[] } {
  let seconds = 0;
  const count: Record<string, number> = {};
  const heard: string[] = [];
  streams.forEach(({ name, pcm, spans, sentences }, i) => {
    const heardPcm = noisy ? withNoise({ pcm, spans }, noisy.noise, noisy.snr, noisy.offset(i)) : pcm;
    seconds += (heardPcm.length >> 1) / 16000;
    for (const e of recognise(heardPcm)) {
      count[e.word] = (count[e.word] ?? 0) + 1;
      const said = sentences.find((x) => e.start < x.end + 0.2 && e.end > x.start - 0.2);
      heard.push(`${e.word}@${name}:${e.start.toFixed(1)}s${said ? ` in "${said.word}"` : ''}`);
    }
  });
  return { seconds, count, heard };
}
