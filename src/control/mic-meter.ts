import { AudioAnalysis, FRAME_SAMPLES, analysisOf, levelDbfs } from '../audio/audio-analysis';
import type { AudioChunk } from '../audio/audio-source';
import { SAMPLE_RATE } from '../audio/audio-source';

/** The microphone's level over the last moment, dBFS. */
export interface MicLevel {
  /** Loudness of the last chunk (RMS). */
  rmsDb: number;
  /** Loudest sample of the last chunk. */
  peakDb: number;
  /** The room's quiet level: the noise floor of the microphone's analysis (AudioAnalysis). */
  floorDb: number;
  /** Samples at full scale in the last second. */
  clipped: number;
}

const SILENT_DB = -96;
const FRAMES_PER_SECOND = SAMPLE_RATE / FRAME_SAMPLES;

const dbfs = (level: number): number => Math.max(SILENT_DB, levelDbfs(level));

/**
 * The microphone's level for the console's meter (kept by the service's control), read off the microphone's
 * analysis the chunks come with: loudness and peak of the last chunk's frames, the room's noise floor and the
 * clipped samples of the last second. Nothing is kept but numbers.
 */
export class MicMeter {
  private level: MicLevel = { rmsDb: SILENT_DB, peakDb: SILENT_DB, floorDb: SILENT_DB, clipped: 0 };
  /** The analysis when chunks come without one. */
  private own?: AudioAnalysis;
  private secondFrames = 0;
  private secondClipped = 0;
  private lastSecondClipped = 0;

  push(chunk: AudioChunk): void {
    const { of: heard, from, to } = analysisOf(chunk, () => (this.own ??= new AudioAnalysis()));
    if (to === from) return;
    let meanSquare = 0;
    let peak = 0;
    for (let f = from; f < to; f++) {
      meanSquare += 10 ** (heard.levelAt(f)! / 10);
      peak = Math.max(peak, heard.peakAt(f));
      this.secondClipped += heard.clippedAt(f);
      if (++this.secondFrames === FRAMES_PER_SECOND) {
        this.lastSecondClipped = this.secondClipped;
        this.secondFrames = this.secondClipped = 0;
      }
    }
    const rmsDb = dbfs(10 * Math.log10(meanSquare / (to - from)));
    const floor = heard.floor;
    this.level = {
      rmsDb,
      peakDb: peak > 0 ? dbfs(20 * Math.log10(peak)) : SILENT_DB,
      floorDb: Number.isFinite(floor) ? dbfs(floor) : rmsDb,
      clipped: Math.max(this.lastSecondClipped, this.secondClipped),
    };
  }

  current(): MicLevel {
    return this.level;
  }
}
