import type { Transcription } from '../fake-openai/transcription';

/** Where a transcription's audio came from in the source recording: its first and last samples, seconds. */
export interface SentStretch {
  start: number;
  end: number;
  text: string;
}

const RATE = 16000;
/** Samples matched at each end of a piece: long enough to be unique in speech. */
const PROBE = 1600;

/**
 * Finds each transcribed piece in the source (16 kHz mono s16le) by its first and last 0.1 s, sample for sample
 * (FLAC and WAV are lossless), so a test can check that every stretch went once and in order. Throws when a
 * piece is not in the source at all.
 */
export function locateSent(source: Buffer, sent: Transcription[]): SentStretch[] {
  return sent.map((t) => {
    const probe = Math.min(PROBE * 2, t.pcm.length);
    // Probed from its first and last sound: a piece begins and ends inside a pause, and the synthesised test
    // speech's pauses are digital silence, found anywhere.
    const first = Math.min(firstSound(t.pcm), t.pcm.length - probe);
    const last = Math.max(lastSound(t.pcm), probe);
    const at = find(source, t.pcm.subarray(first, first + probe), first);
    const head = at - first;
    if (at < 0) throw new Error(`a transcribed piece (${t.seconds.toFixed(2)} s) is not in the source audio`);
    const tailAt = find(source, t.pcm.subarray(last - probe, last), head);
    if (tailAt < 0) throw new Error(`a transcribed piece's end (${t.seconds.toFixed(2)} s) is not in the source audio after its start`);
    return { start: head / 2 / RATE, end: (tailAt + probe + (t.pcm.length - last)) / 2 / RATE, text: t.text };
  });
}

/** The byte offset of the first non-zero sample (0 when there is none). */
function firstSound(pcm: Buffer): number {
  for (let i = 0; i + 1 < pcm.length; i += 2) if (pcm.readInt16LE(i) !== 0) return i;
  return 0;
}

/** The byte offset just past the last non-zero sample (the length when there is none). */
function lastSound(pcm: Buffer): number {
  for (let i = pcm.length - 2; i >= 0; i -= 2) if (pcm.readInt16LE(i) !== 0) return i + 2;
  return pcm.length;
}

/** The first sample-aligned place of `needle` in `hay` from byte `from`. */
function find(hay: Buffer, needle: Buffer, from: number): number {
  for (let i = hay.indexOf(needle, from); i >= 0; i = hay.indexOf(needle, i + 1)) if (i % 2 === 0) return i;
  return -1;
}
