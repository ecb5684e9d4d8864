import type { LevelReading, LevelSummary } from '../control/device-control';
import { FULL_SCALE } from './audio-analysis';
import { SAMPLE_RATE } from './audio-source';

const WINDOW = SAMPLE_RATE / 10;

/** dBFS of an amplitude (full scale 32768); null for silence. Rounded to 0.1 dB. */
export function dbfs(amplitude: number): number | null {
  if (amplitude <= 0) return null;
  return Math.round(200 * Math.log10(amplitude / 32768)) / 10;
}

/**
 * Meters 16 kHz S16_LE audio in 100 ms stretches: peak and RMS in dBFS, clipped samples; at the end the
 * loudest peak, the overall RMS, the clipped share and the noise floor (RMS of the quietest 10 % of stretches).
 */
export class LevelMeter {
  private peak = 0;
  private sumSq = 0;
  private clipped = 0;
  private n = 0;
  private total = { peak: 0, sumSq: 0, clipped: 0, samples: 0 };
  private readonly windowRms: number[] = [];

  constructor(private readonly onReading?: (r: LevelReading) => void) {}

  push(pcm: Buffer): void {
    const samples = pcm.length >> 1;
    for (let i = 0; i < samples; i++) {
      const v = pcm.readInt16LE(i * 2);
      const a = Math.abs(v);
      if (a > this.peak) this.peak = a;
      this.sumSq += v * v;
      if (a >= FULL_SCALE) this.clipped++;
      if (++this.n === WINDOW) this.endWindow();
    }
  }

  /** Seconds metered so far. */
  get seconds(): number {
    return (this.total.samples + this.n) / SAMPLE_RATE;
  }

  summary(): LevelSummary {
    if (this.n > 0) this.endWindow();
    const t = this.total;
    const sorted = [...this.windowRms].sort((a, b) => a - b);
    const floor = sorted.length ? sorted[Math.floor((sorted.length - 1) * 0.1)]! : 0;
    return {
      seconds: t.samples / SAMPLE_RATE,
      peakDbfs: dbfs(t.peak),
      rmsDbfs: t.samples ? dbfs(Math.sqrt(t.sumSq / t.samples)) : null,
      clippedSamples: t.clipped,
      clippedShare: t.samples ? t.clipped / t.samples : 0,
      noiseFloorDbfs: dbfs(floor),
    };
  }

  private endWindow(): void {
    const rms = Math.sqrt(this.sumSq / this.n);
    this.windowRms.push(rms);
    const t = this.total;
    t.peak = Math.max(t.peak, this.peak);
    t.sumSq += this.sumSq;
    t.clipped += this.clipped;
    t.samples += this.n;
    this.onReading?.({ t: t.samples / SAMPLE_RATE, peakDbfs: dbfs(this.peak), rmsDbfs: dbfs(rms), clipped: this.clipped });
    this.peak = 0;
    this.sumSq = 0;
    this.clipped = 0;
    this.n = 0;
  }
}
