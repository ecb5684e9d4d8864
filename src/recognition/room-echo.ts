import { SAMPLE_RATE } from '../audio/audio-source';
import type { PlaybackReference } from '../audio/playback-reference';
import { FRAME_SAMPLES } from '../audio/audio-analysis';

/**
 * The microphone hears the user over the device's own playback when it stands this far over the echo the room
 * gives what played. The user is not in the reference: at 12 dB over the echo a word stands 9 to 14 dB over it;
 * the device's own voice alone stands within about 2 dB of it, clipping speaker and drifting clocks included
 * (measured on the tuning voices, docs/measurements.md).
 */
export const USER_OVER_ECHO_DB = 6;
/** The room's loudness is the median microphone-over-reference ratio of this many 100 ms blocks of playback... */
const GAIN_BLOCKS = 300;
const BLOCK_SAMPLES = 1600;
/** ...of blocks whose reference is loud enough to tell (mean square of a sample over this, about -50 dBFS). */
const BLOCK_MIN_POWER = 10;
/** Blocks heard before the room's loudness is trusted. */
const GAIN_MIN_BLOCKS = 10;
/** The echo of a sound lasts this much after it (the room's reflections, and what the playback model's timing misses). */
const SMEAR_SECONDS = 0.1;

/**
 * What the room makes of the device's own playback at the microphone: its loudness (microphone over reference
 * energy, learnt while the speaker plays, a median so the user talking over it does not move it), and from it
 * the echo level to expect from what played. The echo canceller takes the echo out for the engine; this says
 * how much of what the raw microphone heard the echo explains, before the canceller has even converged
 * (a new answer, a new player's latency).
 */
export class RoomEcho {
  private gains: number[] = [];
  private block = { heard: 0, played: 0, samples: 0 };
  private readonly frame = new Int16Array(Math.round(SMEAR_SECONDS * SAMPLE_RATE) + FRAME_SAMPLES);

  constructor(private readonly reference: PlaybackReference) {}

  /** A frame during playback: the microphone's energy and the reference's (sums of squares over `samples`). */
  learn(heard: number, played: number, samples: number): void {
    const b = this.block;
    b.heard += heard;
    b.played += played;
    b.samples += samples;
    if (b.samples < BLOCK_SAMPLES) return;
    // A block that heard nothing while the speaker played loud is a room that returns nothing (a muted speaker):
    // counted, at the floor, or the user's own words would be all it learnt from.
    if (b.played / b.samples > BLOCK_MIN_POWER) {
      this.gains.push(10 * Math.log10(Math.max(b.heard, 1e-3 * b.samples) / b.played));
      if (this.gains.length > GAIN_BLOCKS) this.gains.shift();
    }
    this.block = { heard: 0, played: 0, samples: 0 };
  }

  /** The room's loudness, dB (undefined until enough playback was heard). */
  gainDb(): number | undefined {
    if (this.gains.length < GAIN_MIN_BLOCKS) return undefined;
    const sorted = [...this.gains].sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
  }

  /**
   * The loudest the echo may be in the 10 ms frame ending at `end` (dB of mean square, as AudioAnalysis): the
   * loudest frame played over the SMEAR_SECONDS before it, through the room. Undefined when nothing played
   * then or the room is not known yet.
   */
  levelDb(end: number): number | undefined {
    const gain = this.gainDb();
    const from = end - this.frame.length / SAMPLE_RATE;
    if (gain === undefined || !this.reference.playedDuring(from, end)) return undefined;
    this.reference.read(from, this.frame);
    let loudest = 0;
    for (let f = 0; f + FRAME_SAMPLES <= this.frame.length; f += FRAME_SAMPLES / 2) {
      let s = 0;
      for (let i = f; i < f + FRAME_SAMPLES; i++) s += this.frame[i]! * this.frame[i]!;
      loudest = Math.max(loudest, s / FRAME_SAMPLES);
    }
    return 10 * Math.log10(loudest + 1e-3) + gain;
  }
}
