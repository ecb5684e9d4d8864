import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AudioChunk, AudioSource } from './audio-source';
import { BYTES_PER_SAMPLE, SAMPLE_RATE } from './audio-source';
import { parseWav, WavFormatError } from './wav';
import type { VirtualClock } from '../clock';

export interface WavFileSourceOptions {
  /** Chunk length in seconds (arecord's default period is about this). */
  chunkSeconds?: number;
  /**
   * `realtime`: one chunk per chunk-length of wall time, like a microphone.
   * `fast`: as fast as the consumer takes them, advancing `clock` so devices stay aligned.
   */
  pace?: 'realtime' | 'fast';
  clock?: VirtualClock;
  /** Capture time of the file's first sample. */
  t0?: number;
}

/** Replays a 16 kHz mono 16-bit WAV as if it came from the microphone. */
export class WavFileSource implements AudioSource {
  private stopped = false;
  private constructor(
    private readonly pcm: Buffer,
    private readonly opts: Required<Omit<WavFileSourceOptions, 'clock'>> & { clock?: VirtualClock },
  ) {}

  static async open(path: string, opts: WavFileSourceOptions = {}): Promise<WavFileSource> {
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (e) {
      throw new WavFormatError(`cannot read audio file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const wav = parseWav(buf, `audio file ${path}`);
    if (wav.sampleRate !== SAMPLE_RATE || wav.channels !== 1) {
      throw new WavFormatError(
        `audio file ${path} is ${wav.sampleRate} Hz ${wav.channels}-channel; 16000 Hz mono expected (convert with: sox IN -r 16000 -c 1 -b 16 OUT.wav)`,
      );
    }
    return new WavFileSource(wav.pcm, { chunkSeconds: 0.1, pace: 'fast', t0: 0, ...opts });
  }

  get durationSeconds(): number {
    return this.pcm.length / BYTES_PER_SAMPLE / SAMPLE_RATE;
  }

  stop(): void {
    this.stopped = true;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AudioChunk> {
    const { chunkSeconds, pace, clock, t0 } = this.opts;
    const step = Math.round(chunkSeconds * SAMPLE_RATE) * BYTES_PER_SAMPLE;
    const started = performance.now();
    for (let off = 0; off < this.pcm.length && !this.stopped; off += step) {
      const pcm = this.pcm.subarray(off, Math.min(off + step, this.pcm.length));
      const t = t0 + off / BYTES_PER_SAMPLE / SAMPLE_RATE;
      const tEnd = t + pcm.length / BYTES_PER_SAMPLE / SAMPLE_RATE;
      if (pace === 'realtime') {
        // A microphone delivers a chunk once it has been fully captured.
        const due = started + (tEnd - t0) * 1000 - performance.now();
        if (due > 0) await sleep(due);
      }
      clock?.advanceTo(tEnd);
      yield { pcm, t };
    }
  }
}
