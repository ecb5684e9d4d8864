/**
 * The training set: clips spoken by the training speakers, each put in a room (reverberation, background,
 * gain, pitch, speed) and turned into embeddings; each embedding labelled for each word: the word has just
 * ended (positive), it has not been said in full (negative), or too late or early to say (ignored).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddingModels, EMBEDDING_SIZE, embedRecording } from '../../src/recognition/detector/speech-embedding';
import { windowLabel } from '../../src/recognition/detector/window-labels';
import { rng } from '../bench/keywords-corpus';
import { synthesise, type SpeechPart } from '../support/speech';
import { carriersOf, nearMissSentences, ordinarySentences, soundAlikeSentences } from './phrases';
import { atLevel, convolve, mixAt, noise, roomImpulse, soxEffect, toFloat } from './rooms';
import { CONVERTED_SPEAKERS, TRAINING_SPEAKERS, assertDisjoint, type ConvertedSpeaker, type VoiceName } from './speakers';
import { convertVoice, type Conversion } from './voice-conversion';
import { cancelledAudio, MODEL_LATENCY } from './echo-clips';

/** One clip's embeddings, and for the command word in it (if any) where it lies. */
export interface Clip {
  /** The command word said, or '' for ordinary speech, near misses and noise. */
  word: string;
  embeddings: Float32Array[];
  ends: number[];
  wordStart: number;
  wordEnd: number;
  /** For reports: who said what. */
  name: string;
}


export interface BuildOptions {
  words: string[];
  /** Clips per (voice, rate) and carrier; 1 is the full set. Smaller for the quick retraining test. */
  scale: number;
  seed: number;
  rates: number[];
  /** Training speakers' voices to use (all by default). */
  voices?: VoiceName[];
  /** Sentences overlapped into the babble background (24 by default). */
  babbleSentences?: number;
  log?: (m: string) => void;
}

export const RATES = [0.8, 1, 1.25];

/** A bank of backgrounds, made once per build: pink, white, babble of the training voices. */
async function backgrounds(voices: VoiceName[], count: number, rand: () => number): Promise<Array<{ kind: string; pcm: Float32Array }>> {
  const seconds = 30;
  const babble = new Float32Array(seconds * 16000);
  const sentences = ordinarySentences(count, 777);
  for (let k = 0; k < count; k++) {
    const v = voices[k % voices.length]!;
    const s = await synthesise([{ text: sentences[k]! }], { engine: v.engine, voice: v.voice });
    const x = toFloat(s.pcm);
    const at = Math.floor(rand() * (babble.length - x.length));
    for (let i = 0; i < x.length; i++) babble[at + i]! += x[i]!;
  }
  return [
    { kind: 'pink', pcm: noise('pink', seconds * 16000, rand) },
    { kind: 'white', pcm: noise('white', seconds * 16000, rand) },
    { kind: 'babble', pcm: babble },
  ];
}

/** A room for one clip, drawn at random: most clips get some of everything, a few stay clean. */
function placeInRoom(
  speech: Int16Array,
  spoken: { start: number; end: number },
  bank: Array<{ kind: string; pcm: Float32Array }>,
  rand: () => number,
): { samples: Int16Array; start: number; end: number; how: string } {
  let x = speech;
  let scale = 1;
  const how: string[] = [];
  const r = rand();
  if (r < 0.25) {
    const speed = 0.88 + 0.24 * rand();
    x = soxEffect(x, ['speed', speed.toFixed(3)]);
    scale = speech.length / x.length;
    how.push(`speed ${speed.toFixed(2)}`);
  } else if (r < 0.45) {
    const cents = Math.round(-300 + 600 * rand());
    x = soxEffect(x, ['pitch', String(cents)]);
    how.push(`pitch ${cents}`);
  }
  const pre = Math.round((1.3 + 0.5 * rand()) * 16000);
  const post = Math.round(0.8 * 16000);
  let y: Float32Array = new Float32Array(pre + x.length + post);
  y.set(toFloat(x), pre);
  const start = pre / 16000 + spoken.start * scale;
  const end = pre / 16000 + spoken.end * scale;
  if (rand() < 0.45) {
    const big = rand() < 0.5;
    const size: [number, number, number] = big ? [6 + 6 * rand(), 5 + 5 * rand(), 2.6 + rand()] : [2.5 + 2 * rand(), 2.5 + 2 * rand(), 2.3 + 0.4 * rand()];
    const rt60 = big ? 0.5 + 0.6 * rand() : 0.2 + 0.4 * rand();
    const distance = 0.5 + (big ? 3.5 : 2) * rand();
    y = convolve(y, roomImpulse({ size, rt60, distance }, rand));
    how.push(`room ${size.map((v) => v.toFixed(1)).join('x')} rt60 ${rt60.toFixed(2)} at ${distance.toFixed(1)} m`);
  }
  const from = Math.floor(start * 16000);
  const to = Math.ceil(end * 16000);
  if (rand() < 0.75) {
    const b = bank[Math.floor(rand() * bank.length)]!;
    const snr = b.kind === 'babble' ? 6 + 19 * rand() : 3 + 25 * rand();
    y = mixAt(y, b.pcm, snr, from, to, Math.floor(rand() * b.pcm.length));
    how.push(`${b.kind} ${snr.toFixed(0)} dB`);
  }
  // A microphone's own floor, so no clip is digital silence.
  y = mixAt(y, bank[1]!.pcm, 70, from, to, Math.floor(rand() * 16000));
  const level = -40 + 37 * rand();
  how.push(`${level.toFixed(0)} dBFS`);
  return { samples: atLevel(y, level), start, end, how: how.join(', ') };
}

interface ClipSpec {
  voice: VoiceName;
  rate: number;
  parts: SpeechPart[];
  /** Index of the command word among the text parts, or -1. */
  wordPart: number;
  word: string;
  /** A converted speaker's change, applied before the room. */
  conversion?: Conversion;
  /** For reports: the converted speaker's name. */
  speaker?: string;
}

function specs(o: BuildOptions, voices: VoiceName[], rand: () => number): ClipSpec[] {
  const out: ClipSpec[] = [];
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const gap = (): SpeechPart => ({ silence: 0.01 + 0.07 * rand() });
  const ordinary = ordinarySentences(400, o.seed + 1);
  let sentence = 0;
  for (const voice of voices) {
    for (const rate of o.rates) {
      for (const word of o.words) {
        const carriers = carriersOf(word);
        const n = Math.max(1, Math.round(carriers.length * o.scale));
        for (let k = 0; k < n; k++) {
          const c = carriers[(k + Math.floor(rand() * carriers.length)) % carriers.length]!;
          const parts: SpeechPart[] = [];
          if (c.before) parts.push({ text: c.before }, gap());
          const wordPart = c.before ? 1 : 0;
          parts.push({ text: word });
          if (c.after) parts.push(gap(), { text: c.after });
          out.push({ voice, rate, parts, wordPart, word });
        }
        // Near misses of this word, in sentences and on their own.
        const near = nearMissSentences(word, o.seed + out.length);
        for (let k = 0; k < Math.max(1, Math.round(near.length * o.scale * 0.5)); k++) out.push({ voice, rate, parts: [{ text: pick(near) }], wordPart: -1, word: '' });
      }
      for (let k = 0; k < Math.max(1, Math.round(6 * o.scale)); k++) {
        out.push({ voice, rate, parts: [{ text: ordinary[sentence++ % ordinary.length]! }, { silence: 0.2 + 0.5 * rand() }, { text: ordinary[sentence++ % ordinary.length]! }], wordPart: -1, word: '' });
      }
    }
  }
  return out;
}

/** Synthesises, places and embeds every clip. Deterministic for the same options. */
export async function buildDataset(models: EmbeddingModels, o: BuildOptions): Promise<Clip[]> {
  assertDisjoint();
  const rand = rng(o.seed);
  const voices = o.voices ?? TRAINING_SPEAKERS.flatMap((s) => s.voices);
  const bank = await backgrounds(voices, o.babbleSentences ?? 24, rand);
  const list = specs(o, voices, rand);
  const clips = await render(models, list, bank, rand, o.log);
  clips.push(...roomsAlone(models, bank, Math.max(4, Math.round(40 * o.scale)), rand));
  return clips;
}

/** Synthesis in parallel (child processes); rooms and embeddings in order, so the draws stay the same. */
async function render(models: EmbeddingModels, list: ClipSpec[], bank: Array<{ kind: string; pcm: Float32Array }>, rand: () => number, log?: (m: string) => void): Promise<Clip[]> {
  const clips: Clip[] = [];
  let done = 0;
  const ahead = 6;
  const spoken: Array<ReturnType<typeof synthesise> | undefined> = [];
  const start = (i: number): void => {
    if (i >= list.length || spoken[i]) return;
    const s = list[i]!;
    spoken[i] = synthesise(s.parts, { engine: s.voice.engine, voice: s.voice.voice, rate: s.rate });
    spoken[i]!.catch(() => undefined);
  };
  for (let i = 0; i < list.length; i++) {
    for (let k = i; k <= i + ahead; k++) start(k);
    const s = list[i]!;
    const speech = await spoken[i]!;
    delete spoken[i];
    let pcm = new Int16Array(speech.pcm.buffer.slice(speech.pcm.byteOffset, speech.pcm.byteOffset + speech.pcm.length));
    let w = s.wordPart >= 0 ? speech.words[s.wordPart]! : { start: 0, end: 0 };
    if (s.conversion) {
      const c = convertVoice(pcm, s.conversion);
      pcm = c.samples;
      w = { start: w.start * c.timeScale, end: w.end * c.timeScale };
    }
    const placed = placeInRoom(pcm, w, bank, rand);
    const emb = embedRecording(models, placed.samples);
    clips.push({
      word: s.word,
      embeddings: emb.map((e) => e.vector),
      ends: emb.map((e) => e.end),
      wordStart: s.word ? placed.start : 0,
      wordEnd: s.word ? placed.end : 0,
      name: `${s.speaker ? `${s.speaker}=` : ''}${s.voice.engine}:${s.voice.voice}@${s.rate} "${textOf(s)}" (${placed.how})`,
    });
    if (++done % 200 === 0) log?.(`  ${done} of ${list.length} clips`);
  }
  return clips;
}

const textOf = (s: ClipSpec): string => s.parts.filter((p) => 'text' in p).map((p) => (p as { text: string }).text).join(' ');

/** Noise and silence on their own: the rooms without anyone speaking. */
function roomsAlone(models: EmbeddingModels, bank: Array<{ kind: string; pcm: Float32Array }>, count: number, rand: () => number): Clip[] {
  const clips: Clip[] = [];
  for (let k = 0; k < count; k++) {
    const b = bank[k % bank.length]!;
    const y = new Float32Array(4 * 16000);
    for (let i = 0; i < y.length; i++) y[i] = b.pcm[(i + k * 7919) % b.pcm.length]!;
    const emb = embedRecording(models, atLevel(y, -50 + 45 * rand()));
    clips.push({ word: '', embeddings: emb.map((e) => e.vector), ends: emb.map((e) => e.end), wordStart: 0, wordEnd: 0, name: `${b.kind} alone` });
  }
  return clips;
}

export interface SupplementOptions {
  words: string[];
  scale: number;
  seed: number;
  rates: number[];
  /** Converted speakers (all by default). */
  converted?: ConvertedSpeaker[];
  /** Clips heard over the device's playback through the echo canceller, at scale 1. */
  echoClips: number;
  /** Ordinary sentences with sound-alikes of the command words, at scale 1. */
  soundAlikes: number;
  log?: (m: string) => void;
}

/**
 * What the first training set lacked: the converted speakers saying what the others say; sentences with words
 * that sound like the command words; and words said over the device's own playback, through its echo canceller.
 * Built and cached apart from the first set, so that set (and the heads trained on it alone) stays as it was.
 */
export async function buildSupplement(models: EmbeddingModels, o: SupplementOptions): Promise<Clip[]> {
  assertDisjoint();
  const rand = rng(o.seed);
  const natural = TRAINING_SPEAKERS.filter((s) => !s.name.startsWith('espeak')).flatMap((s) => s.voices);
  const all = TRAINING_SPEAKERS.flatMap((s) => s.voices);
  const bank = await backgrounds(all, 24, rand);
  const converted = o.converted ?? CONVERTED_SPEAKERS;
  const list: ClipSpec[] = [];
  for (const c of converted) for (const s of specs({ ...o, babbleSentences: 0 }, [c.from], rand)) list.push({ ...s, conversion: c.conversion, speaker: c.name });
  const alikes = soundAlikeSentences(Math.max(1, Math.round(o.soundAlikes * o.scale)), o.seed + 3);
  alikes.forEach((text, k) => {
    const c = k % 2 === 0 ? converted[Math.floor(rand() * converted.length)] : undefined;
    const voice = c ? c.from : all[Math.floor(rand() * all.length)]!;
    list.push({ voice, rate: o.rates[k % o.rates.length]!, parts: [{ text }], wordPart: -1, word: '', ...(c ? { conversion: c.conversion, speaker: c.name } : {}) });
  });
  o.log?.(`  ${list.length} clips of converted speakers and sound-alikes...`);
  const clips = await render(models, list, bank, rand, o.log);
  clips.push(...roomsAlone(models, bank, Math.max(2, Math.round(10 * o.scale)), rand));
  o.log?.(`  echo-cancelled clips...`);
  clips.push(...(await echoClips(models, o, natural, converted, rand)));
  return clips;
}

/** Answers the device might say, in the training voices, for the echo clips: ordinary sentences, no command word. */
async function answers(voices: VoiceName[], seed: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const sentences = ordinarySentences(voices.length * 6, seed);
  for (const [i, v] of voices.entries()) {
    const parts: SpeechPart[] = sentences.slice(i * 6, i * 6 + 6).flatMap((text) => [{ text }, { silence: 0.25 }]);
    out.push((await synthesise(parts, { engine: v.engine, voice: v.voice })).pcm);
  }
  return out;
}

/**
 * The echo clips: of every ten, four "stop", two "reply", one another command word, two ordinary or near-miss
 * sentences, and one the answer alone; the user 0 to 12 dB over the echo (RMS), said 4 to 8 s into an answer
 * by another voice, over a speaker that clips and a clock that drifts by draws of their own.
 */
async function echoClips(models: EmbeddingModels, o: SupplementOptions, natural: VoiceName[], converted: ConvertedSpeaker[], rand: () => number): Promise<Clip[]> {
  const n = Math.max(o.words.length + 2, Math.round(o.echoClips * o.scale));
  const espeak = TRAINING_SPEAKERS.filter((s) => s.name.startsWith('espeak')).map((s) => s.voices[0]!);
  const answerVoices = [...natural, ...espeak.slice(0, 4)];
  const played = await answers(answerVoices, o.seed + 5);
  const ordinary = ordinarySentences(n, o.seed + 7);
  const others = o.words.filter((w) => w !== 'stop' && w !== 'reply');
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const clips: Clip[] = [];
  for (let k = 0; k < n; k++) {
    const slot = k % 10;
    const word = slot < 4 ? 'stop' : slot < 6 ? 'reply' : slot === 6 ? (others.length ? pick(others) : 'stop') : '';
    const useWord = o.words.includes(word) ? word : '';
    const c = rand() < 0.5 ? pick(converted) : undefined;
    const voice = c ? c.from : pick(natural);
    const rate = pick(o.rates);
    let parts: SpeechPart[] = [];
    let wordPart = -1;
    if (useWord) {
      const carrier = pick(carriersOf(useWord));
      if (carrier.before) parts.push({ text: carrier.before }, { silence: 0.01 + 0.07 * rand() });
      wordPart = carrier.before ? 1 : 0;
      parts.push({ text: useWord });
      if (carrier.after) parts.push({ silence: 0.01 + 0.07 * rand() }, { text: carrier.after });
    } else if (slot < 9) {
      parts = [{ text: rand() < 0.5 ? ordinary[k]! : pick(nearMissSentences(pick(o.words), o.seed + k)) ?? ordinary[k]! }];
    }
    const answerIndex = Math.floor(rand() * played.length);
    const answer = played[answerIndex]!;
    const at = 4 + 4 * rand();
    const ratioDb = 12 * rand();
    const clipAt = 0.3 + 0.7 * rand();
    const driftPpm = 150 * rand();
    let user: Int16Array | null = null;
    let w = { start: 0, end: 0 };
    if (parts.length) {
      const speech = await synthesise(parts, { engine: voice.engine, voice: voice.voice, rate });
      user = new Int16Array(speech.pcm.buffer.slice(speech.pcm.byteOffset, speech.pcm.byteOffset + speech.pcm.length));
      w = wordPart >= 0 ? speech.words[wordPart]! : w;
      if (c) {
        const v = convertVoice(user, c.conversion);
        user = v.samples;
        w = { start: w.start * v.timeScale, end: w.end * v.timeScale };
      }
    }
    const length = Math.min(answer.length >> 1, Math.round((at + (user ? user.length / 16000 : 2) + 1) * 16000));
    const from = at - 1.3 - 0.5 * rand();
    const cleaned = cancelledAudio(
      { played: answer.subarray(0, length * 2), user: user ? Buffer.from(user.buffer, user.byteOffset, user.byteLength) : null, at, ratioDb, clipAt, driftPpm, modelLatency: MODEL_LATENCY - 0.01 * rand() },
      from,
    );
    const emb = embedRecording(models, cleaned);
    clips.push({
      word: useWord,
      embeddings: emb.map((e) => e.vector),
      ends: emb.map((e) => e.end),
      wordStart: useWord ? at - from + w.start : 0,
      wordEnd: useWord ? at - from + w.end : 0,
      name: `${c ? `${c.name}=` : ''}${voice.engine}:${voice.voice}@${rate} "${parts.filter((p) => 'text' in p).map((p) => (p as { text: string }).text).join(' ')}" (over answer ${answerIndex} at ${ratioDb.toFixed(0)} dB, clip ${clipAt.toFixed(2)}, drift ${driftPpm.toFixed(0)} ppm, cancelled)`,
    });
    if ((k + 1) % 100 === 0) o.log?.(`  ${k + 1} of ${n} echo clips`);
  }
  return clips;
}

/** The label of embedding `i` of `clip` for `word`: 1, 0, or -1 (ignored). */
export function labelOf(clip: Clip, i: number, word: string): 1 | 0 | -1 {
  if (clip.word !== word) return 0;
  return windowLabel(clip.ends[i]!, clip.wordEnd);
}

export { EMBEDDING_SIZE };

/** The dataset from build/keywords-training when built before with the same options, else built and stored there. */
export async function cachedDataset(models: EmbeddingModels, o: BuildOptions, dir: string, version: string): Promise<Clip[]> {
  return cached({ ...o }, dir, version, () => buildDataset(models, o));
}

/** The supplement (buildSupplement), cached the same way under its own key. */
export async function cachedSupplement(models: EmbeddingModels, o: SupplementOptions, dir: string, version: string): Promise<Clip[]> {
  return cached({ supplement: true, ...o }, dir, version, () => buildSupplement(models, o));
}

async function cached(o: { log?: unknown; [key: string]: unknown }, dir: string, version: string, build: () => Promise<Clip[]>): Promise<Clip[]> {
  const { log, ...key } = o;
  const name = createHash('sha256').update(JSON.stringify({ version, key })).digest('hex').slice(0, 16);
  const meta = join(dir, `${name}.json`);
  const data = join(dir, `${name}.f32`);
  if (existsSync(meta) && existsSync(data)) {
    const clips = JSON.parse(readFileSync(meta, 'utf8')) as Array<Omit<Clip, 'embeddings'> & { n: number }>;
    const raw = readFileSync(data);
    const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    let at = 0;
    return clips.map(({ n, ...c }) => {
      const embeddings = Array.from({ length: n }, (_, i) => all.subarray(at + i * EMBEDDING_SIZE, at + (i + 1) * EMBEDDING_SIZE));
      at += n * EMBEDDING_SIZE;
      return { ...c, embeddings };
    });
  }
  const clips = await build();
  mkdirSync(dir, { recursive: true });
  const all = new Float32Array(clips.reduce((s, c) => s + c.embeddings.length, 0) * EMBEDDING_SIZE);
  let at = 0;
  for (const c of clips) for (const v of c.embeddings) all.set(v, (at++) * EMBEDDING_SIZE);
  writeFileSync(data, Buffer.from(all.buffer));
  writeFileSync(meta, JSON.stringify(clips.map(({ embeddings, ...c }) => ({ ...c, n: embeddings.length }))));
  return clips;
}
