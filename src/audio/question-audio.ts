import type { AudioChunk } from './audio-source';
import { BYTES_PER_SAMPLE, SAMPLE_RATE } from './audio-source';

/**
 * The microphone's audio since the last question was taken, in memory only,
 * for the cloud transcription at "reply". Bounded: beyond `maxSeconds` the
 * oldest audio goes (a question is never that long; hours of silence must not
 * grow memory).
 */
export class QuestionAudio {
  private chunks: AudioChunk[] = [];
  private bytes = 0;

  constructor(private readonly maxSeconds = 120) {}

  push(chunk: AudioChunk): void {
    this.chunks.push(chunk);
    this.bytes += chunk.pcm.length;
    const max = this.maxSeconds * SAMPLE_RATE * BYTES_PER_SAMPLE;
    while (this.bytes - this.chunks[0]!.pcm.length >= max) this.bytes -= this.chunks.shift()!.pcm.length;
  }

  /** Seconds held. */
  get seconds(): number {
    return this.bytes / BYTES_PER_SAMPLE / SAMPLE_RATE;
  }

  /**
   * The audio in [from, to) (seconds on the audio clock) without the stretches in `cut` (command words, said
   * between the question's phrases); everything before `to` is then forgotten.
   */
  take(from: number, to: number, cut: Array<[number, number]> = []): Buffer {
    const keep: Array<[number, number]> = [];
    let a = from;
    for (const [s, e] of [...cut].sort((x, y) => x[0] - y[0])) {
      if (e <= a || s >= to) continue;
      if (s > a) keep.push([a, s]);
      a = Math.max(a, e);
    }
    if (a < to) keep.push([a, to]);
    const parts: Buffer[] = [];
    for (const [ka, kb] of keep) {
      for (const c of this.chunks) {
        const n = c.pcm.length / BYTES_PER_SAMPLE;
        const i = Math.max(0, Math.round((ka - c.t) * SAMPLE_RATE));
        const j = Math.min(n, Math.round((kb - c.t) * SAMPLE_RATE));
        if (j > i) parts.push(c.pcm.subarray(i * BYTES_PER_SAMPLE, j * BYTES_PER_SAMPLE));
      }
    }
    this.forgetBefore(to);
    return Buffer.concat(parts);
  }

  /** Drops the audio wholly before `t` (it can be part of no question). */
  forgetBefore(t: number): void {
    while (this.chunks.length) {
      const c = this.chunks[0]!;
      const end = c.t + c.pcm.length / BYTES_PER_SAMPLE / SAMPLE_RATE;
      if (end > t) break;
      this.bytes -= c.pcm.length;
      this.chunks.shift();
    }
  }
}
