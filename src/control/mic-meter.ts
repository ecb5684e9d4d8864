import type { AudioChunk } from '../audio/audio-source';
import { SAMPLE_RATE } from '../audio/audio-source';

/** The microphone's level over the last moment, dBFS. */
export interface MicLevel {
  /** Loudness of the last chunk (RMS). */
  rmsDb: number;
  /** Loudest sample of the last chunk. */
  peakDb: number;
  /** The room's quiet level: the lowest chunk loudness of the last seconds. */
  floorDb: number;
  /** Samples at full scale in the last second. */
  clipped: number;
}

const FULL_SCALE = 32700;
const SILENT_DB = -96;

function db(x: number): number {
  return x > 0 ? Math.max(SILENT_DB, 20 * Math.log10(x / 32768)) : SILENT_DB;
}

/**
 * The microphone's level for the console's meter (kept by the service's control), from the chunks the service already reads: loudness and peak of
 * the last chunk, the noise floor (the quietest chunk of the last `floorSeconds`) and the clipped samples of the
 * last second. A few multiplications per sample; nothing is kept but numbers.
 */
export class MicMeter {
  private level: MicLevel = { rmsDb: SILENT_DB, peakDb: SILENT_DB, floorDb: SILENT_DB, clipped: 0 };
  /** Quietest chunk of each second, the last `floorSeconds` of them. */
  private minima: number[] = [];
  private secondMin = Infinity;
  private secondSamples = 0;
  private secondClipped = 0;
  private lastSecondClipped = 0;

  constructor(private readonly floorSeconds = 10) {}

  push(chunk: AudioChunk): void {
    const n = chunk.pcm.length >> 1;
    let sum = 0;
    let peak = 0;
    let clipped = 0;
    for (let i = 0; i < n; i++) {
      const v = chunk.pcm.readInt16LE(i * 2);
      sum += v * v;
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
      if (a >= FULL_SCALE) clipped++;
    }
    const rmsDb = db(Math.sqrt(sum / Math.max(1, n)));
    this.secondMin = Math.min(this.secondMin, rmsDb);
    this.secondClipped += clipped;
    this.secondSamples += n;
    if (this.secondSamples >= SAMPLE_RATE) {
      this.minima.push(this.secondMin);
      if (this.minima.length > this.floorSeconds) this.minima.shift();
      this.lastSecondClipped = this.secondClipped;
      this.secondMin = Infinity;
      this.secondSamples = 0;
      this.secondClipped = 0;
    }
    const floorDb = Math.min(...this.minima, this.secondMin);
    this.level = { rmsDb, peakDb: db(peak), floorDb: Number.isFinite(floorDb) ? floorDb : rmsDb, clipped: Math.max(this.lastSecondClipped, this.secondClipped) };
  }

  current(): MicLevel {
    return this.level;
  }
}
