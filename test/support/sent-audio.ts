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
    const head = find(source, t.pcm.subarray(0, probe), 0);
    if (head < 0) throw new Error(`a transcribed piece (${t.seconds.toFixed(2)} s) is not in the source audio`);
    const tail = find(source, t.pcm.subarray(t.pcm.length - probe), head);
    if (tail < 0) throw new Error(`a transcribed piece's end (${t.seconds.toFixed(2)} s) is not in the source audio after its start`);
    return { start: head / 2 / RATE, end: (tail + probe) / 2 / RATE, text: t.text };
  });
}

/** The first sample-aligned place of `needle` in `hay` from byte `from`. */
function find(hay: Buffer, needle: Buffer, from: number): number {
  for (let i = hay.indexOf(needle, from); i >= 0; i = hay.indexOf(needle, i + 1)) if (i % 2 === 0) return i;
  return -1;
}
