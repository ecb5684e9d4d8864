/**
 * A simulated room for the echo tests and the barge-in bench: what the
 * microphone hears of the appliance's own voice, and a user's word over it.
 */

/**
 * The room between speaker and microphone, which the canceller is not told: sound leaves the speaker
 * ECHO_LATENCY after it is handed to the player and reaches the microphone directly and by a few
 * reflections (delay in ms, gain).
 */
export const ECHO_LATENCY = 0.045;
const ROOM: Array<[number, number]> = [
  [2, 1],
  [7, 0.5],
  [13, -0.35],
  [24, 0.2],
  [41, -0.12],
  [70, 0.06],
];
/** What the microphone hears of `played` (handed to the player at 0, `gain` loud): delayed, with the room's reflections; `seconds` of it. */
export function throughRoom(played: Buffer, seconds = played.length / 2 / 16000, gain = 1): Buffer {
  const n = Math.round(seconds * 16000);
  const out = new Float64Array(n);
  for (const [ms, g] of ROOM) {
    const d = Math.round((ECHO_LATENCY + ms / 1000) * 16000);
    for (let i = d; i < Math.min(n, d + (played.length >> 1)); i++) out[i]! += gain * g * played.readInt16LE((i - d) * 2);
  }
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(out[i]!))), i * 2);
  return b;
}

export function rms(pcm: Buffer): number {
  let s = 0;
  for (let i = 0; i < pcm.length; i += 2) s += pcm.readInt16LE(i) ** 2;
  return Math.sqrt(s / Math.max(1, pcm.length / 2));
}

/** A user speaking at a normal level into the microphone: RMS of the word about -22 dBFS. */
export const VOICE_RMS = 2600;

/** The room's loudness (a factor on the played sound) that puts `played`'s echo `ratioDb` below a user's voice. */
export function echoGainFor(played: Buffer, ratioDb: number): number {
  return VOICE_RMS / Math.pow(10, ratioDb / 20) / Math.max(1, rms(throughRoom(played)));
}

/**
 * `voice`, brought to VOICE_RMS, added to the microphone's audio `heard` from `at` seconds on. The echo is
 * set by the room's gain, not by raising the voice: raising the voice 40 dB over a loud answer clipped it
 * to a square wave (the first version of the barge-in bench measured its own distortion).
 */
export function withVoice(heard: Buffer, voice: Buffer, at: number): Buffer {
  const out = Buffer.from(heard);
  const start = Math.round(at * 16000) * 2;
  const g = VOICE_RMS / Math.max(1, rms(voice));
  for (let i = 0; i < voice.length && start + i + 1 < out.length; i += 2) {
    const v = out.readInt16LE(start + i) + g * voice.readInt16LE(i);
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), start + i);
  }
  return out;
}

/** What a cheap speaker and a free-running sound card add to the echo path, which the canceller cannot model. */
export interface EchoNonLinearity {
  /** The speaker clips the played sound at this fraction of its loudest sample (1: no clipping). */
  clipAt: number;
  /** Speaker and microphone clocks differ by this much (parts per million): the echo's delay drifts. */
  driftPpm: number;
}

/**
 * `throughRoom` with a non-linear echo path: the played sound clipped by the speaker (hard, at `clipAt` of its
 * peak, then brought back to the same RMS so that `gain` means what it does in `throughRoom`) and read on a
 * clock `driftPpm` faster than the microphone's (linear interpolation), so that the delay the canceller has
 * learnt slides by driftPpm microseconds a second.
 */
export function throughNonLinearRoom(played: Buffer, nl: EchoNonLinearity, seconds = played.length / 2 / 16000, gain = 1): Buffer {
  const n = played.length >> 1;
  let peak = 1;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(played.readInt16LE(i * 2)));
  const limit = peak * nl.clipAt;
  const clipped = new Float64Array(n);
  let before = 0;
  let after = 0;
  for (let i = 0; i < n; i++) {
    const v = played.readInt16LE(i * 2);
    clipped[i] = Math.max(-limit, Math.min(limit, v));
    before += v * v;
    after += clipped[i]! * clipped[i]!;
  }
  const norm = after > 0 ? Math.sqrt(before / after) : 1;
  const step = 1 + nl.driftPpm * 1e-6;
  const drifted = Buffer.alloc(played.length);
  for (let i = 0; i < n; i++) {
    const x = i * step;
    const j = Math.floor(x);
    if (j + 1 >= n) break;
    const f = x - j;
    const v = norm * ((1 - f) * clipped[j]! + f * clipped[j + 1]!);
    drifted.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), i * 2);
  }
  return throughRoom(drifted, seconds, gain);
}
