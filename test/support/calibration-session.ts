/**
 * A calibration session said by a synthetic voice in one of the held-out bench's rooms: 30 s of the room, the
 * calibration sentences, then each word five times (the rate a little apart each time, as a person's is;
 * each take its own noise), through a microphone with its own faint noise. What snapask calibrate would
 * record from that voice in that room.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav';
import { CALIBRATION_SENTENCES, type Recordings } from '../../src/recognition/calibration/calibrate-recordings';
import { DEFAULT_SESSION } from '../../src/recognition/calibration/calibration-session';
import { inRoom, LEAD, shifted, type Case, type Room, type VoiceCopy } from '../bench/keywords-heldout';
import { rng } from '../bench/keywords-corpus';
import { synthesise } from './speech';

export const CALIBRATION_WORDS = ['snapshot', 'reply'];
const TAKE_RATES = [0.93, 0.97, 1, 1.03, 1.07];
const ROOM_SECONDS = 30;
/** A real microphone is never digitally silent: its own noise, white, at this level (the synthetic rooms have none). */
export const MICROPHONE_FLOOR_DBFS = -66;

/** `pcm` with the microphone's own noise added. */
export function withMicrophoneFloor(b: Buffer, seed: number): Int16Array {
  const x = new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  const rand = rng(7000 + seed);
  const a = 32768 * Math.pow(10, MICROPHONE_FLOOR_DBFS / 20) * Math.sqrt(3);
  for (let i = 0; i < x.length; i++) x[i] = Math.max(-32768, Math.min(32767, Math.round(x[i]! + a * (2 * rand() - 1))));
  return x;
}

/** One recording of `text` by `copy` in `room` (the room's lead-in cut off). */
async function said(copy: VoiceCopy, room: Room, text: string, rate: number, seed: number, after: number): Promise<{ samples: Int16Array; dry: Case }> {
  const s = await synthesise([{ silence: 0.7 }, { text }, { silence: after }], { engine: copy.engine, voice: copy.voice, rate });
  const dry: Case = { copy, pcm: shifted(s.pcm, copy), spans: s.words.map((x): [number, number] => [x.start, x.end]), truth: [] };
  return { samples: withMicrophoneFloor(inRoom(room, dry, seed).subarray(LEAD * 32000), seed), dry };
}

export async function syntheticSession(copy: VoiceCopy, room: Room, seed: number, words = CALIBRATION_WORDS): Promise<Recordings> {
  const sentences: Int16Array[] = [];
  for (const [k, text] of CALIBRATION_SENTENCES.entries()) sentences.push((await said(copy, room, text, copy.rate, seed * 100 + 50 + k, 1.0)).samples);
  const takes: Recordings['takes'] = [];
  let first: Case | undefined;
  for (const [w, word] of words.entries()) {
    for (const [k, r] of TAKE_RATES.entries()) {
      const take = await said(copy, room, word, copy.rate * r, seed * 100 + w * 10 + k, 1.3);
      takes.push({ word, samples: take.samples });
      first ??= take.dry;
    }
  }
  // The room alone: its background set against the owner's level (as a real voice sets it), the speech cut away.
  const quiet = Buffer.alloc(ROOM_SECONDS * 32000);
  const alone: Case = { ...first!, pcm: Buffer.concat([quiet, first!.pcm]), spans: first!.spans.map(([a, b]) => [a + ROOM_SECONDS, b + ROOM_SECONDS]) };
  const room_ = withMicrophoneFloor(inRoom(room, alone, seed * 100 + 99).subarray(LEAD * 32000, (LEAD + ROOM_SECONDS) * 32000), seed * 100 + 99);
  return { room: room_, sentences, takes };
}

/** A WAV of exactly `seconds`, the rest of it the microphone's floor (arecord gives as much as is asked). */
function wavOf(x: Int16Array, seconds: number, seed: number): Buffer {
  const out = withMicrophoneFloor(Buffer.alloc(Math.round(seconds * 16000) * 2), seed);
  out.set(x.subarray(0, out.length));
  return encodeWav(Buffer.from(out.buffer, out.byteOffset, out.byteLength), 16000);
}

/**
 * The session's recordings as the fake microphone plays them: one WAV per recording in the order the device
 * asks for them (room, sentences, takes), listed in `dir/sequence` for FAKE_ARECORD_SEQUENCE. Returns the WAVs.
 */
export function writeMicrophoneSequence(dir: string, r: Recordings): string[] {
  const files = [
    wavOf(r.room, DEFAULT_SESSION.roomSeconds, 1),
    ...r.sentences.map((s, i) => wavOf(s, DEFAULT_SESSION.sentenceSeconds, 2 + i)),
    ...r.takes.map((t, i) => wavOf(t.samples, DEFAULT_SESSION.takeSeconds, 10 + i)),
  ].map((wav, i) => {
    const path = join(dir, `rec-${String(i).padStart(2, '0')}.wav`);
    writeFileSync(path, wav);
    return path;
  });
  writeFileSync(join(dir, 'sequence'), `${files.join('\n')}\n`);
  return files;
}
