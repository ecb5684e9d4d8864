import { SAMPLE_RATE } from './audio-source';

/** How much played audio is kept: more than the echo canceller's tail plus a recogniser chunk. */
const KEEP_SECONDS = 4;

interface Segment {
  /** When its first sample leaves the speaker, seconds on the audio clock. */
  t: number;
  samples: Int16Array;
}

/**
 * What the speaker played and when, at the microphone's rate: the echo
 * canceller's reference. Audio handed to the player plays after the device's
 * output latency, and right after what was handed to it before (the player's
 * buffer), so each piece is placed at max(end of the previous one, hand-over
 * time + latency). The canceller's adaptive filter absorbs what this model
 * gets wrong, up to its tail length.
 */
export class PlaybackReference {
  private segments: Segment[] = [];
  private nextT = -Infinity;

  /** @param latencySeconds the output device's latency from hand-over to sound (ALSA buffer). */
  constructor(private readonly latencySeconds: number) {}

  /** `pcm` (S16_LE mono at SAMPLE_RATE) handed to the player at `handedAt`. */
  append(pcm: Buffer, handedAt: number): void {
    const n = pcm.length >> 1;
    if (n === 0) return;
    const samples = new Int16Array(n);
    for (let i = 0; i < n; i++) samples[i] = pcm.readInt16LE(i * 2);
    const t = Math.max(this.nextT, handedAt + this.latencySeconds);
    this.segments.push({ t, samples });
    this.nextT = t + n / SAMPLE_RATE;
    const keepFrom = this.nextT - KEEP_SECONDS;
    while (this.segments.length > 1 && this.segments[0]!.t + this.segments[0]!.samples.length / SAMPLE_RATE < keepFrom) this.segments.shift();
  }

  /** Playback stopped at `t` (barge-in): nothing after it will sound. */
  cut(t: number): void {
    const kept: Segment[] = [];
    for (const s of this.segments) {
      if (s.t >= t) continue;
      const n = Math.min(s.samples.length, Math.max(0, Math.round((t - s.t) * SAMPLE_RATE)));
      kept.push(n === s.samples.length ? s : { t: s.t, samples: s.samples.subarray(0, n) });
    }
    this.segments = kept;
    this.nextT = Math.min(this.nextT, t);
  }

  /**
   * The output device was closed at `at` (aplay exits once it has drained what it held): nothing handed to it
   * sounds after `at` plus the latency. Without this, sound handed faster than it plays (a device that takes
   * it quicker than real time) would stay in the reference, and the canceller suppress an echo that never came.
   */
  closed(at: number): void {
    this.cut(at + this.latencySeconds);
  }

  /** Did anything play in [from, to)? */
  playedDuring(from: number, to: number): boolean {
    return this.segments.some((s) => s.t < to && s.t + s.samples.length / SAMPLE_RATE > from);
  }

  /** The `n` samples that sounded from `t` on (zeros where nothing played), into `out`. */
  read(t: number, out: Int16Array): Int16Array {
    out.fill(0);
    const n = out.length;
    for (const s of this.segments) {
      const off = Math.round((s.t - t) * SAMPLE_RATE); // where the segment starts in `out`
      if (off >= n || off + s.samples.length <= 0) continue;
      const from = Math.max(0, -off);
      const to = Math.min(s.samples.length, n - off);
      out.set(s.samples.subarray(from, to), off + from);
    }
    return out;
  }
}
