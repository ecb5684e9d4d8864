import { AudioAnalysis, FRAME_SAMPLES, analysisOf } from './audio-analysis';
import type { AudioChunk } from './audio-source';
import { SAMPLE_RATE } from './audio-source';


export interface ClipMonitorOptions {
  /** Share of clipped samples in a window that is worth telling someone about (default 0.2 %). */
  share?: number;
  windowSeconds?: number;
  /** At most one report per this many seconds of audio. */
  quietSeconds?: number;
  onClipping: (message: string) => void;
}

/**
 * Watches the microphone for clipping (gain set too high: speech flattened at
 * full scale, which costs the recogniser words): a clear line in the log,
 * rate-limited, so whoever installs the device can turn the gain down.
 */
export class ClipMonitor {
  private clipped = 0;
  private samples = 0;
  private lastReport = -Infinity;
  private heard = 0;
  /** The analysis when chunks come without one. */
  private own?: AudioAnalysis;

  constructor(private readonly o: ClipMonitorOptions) {}

  push(chunk: AudioChunk): void {
    // Counted on the microphone's analysis (whole 10 ms frames), as everything else reads the level.
    const { of: a, from, to } = analysisOf(chunk, () => (this.own ??= new AudioAnalysis()));
    for (let f = from; f < to; f++) this.clipped += a.clippedAt(f);
    const n = (to - from) * FRAME_SAMPLES;
    this.samples += n;
    this.heard += n / SAMPLE_RATE;
    if (this.samples < (this.o.windowSeconds ?? 10) * SAMPLE_RATE) return;
    const share = this.clipped / this.samples;
    if (share >= (this.o.share ?? 0.002) && this.heard - this.lastReport >= (this.o.quietSeconds ?? 600)) {
      this.lastReport = this.heard;
      this.o.onClipping(`microphone input is clipping (${(share * 100).toFixed(1)} % of samples at full scale): lower the capture gain (alsamixer)`);
    }
    this.clipped = 0;
    this.samples = 0;
  }
}
