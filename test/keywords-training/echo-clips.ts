/**
 * Training clips heard the way the service hears the user over its own playback: an answer in a training voice
 * played through the non-linear echo path (test/support/room.ts), the user's speech on top, then the service's
 * echo canceller and noise suppressor (CleanedRecogniser, defaults as the service builds it) before the
 * embedding. The heads otherwise never hear the canceller's residue under a word (its "stop" scored 0.33 there
 * where the same word scored 1.0 with the echo 40 dB down).
 */
import { DEFAULT_NOISE_SUPPRESS_DB, CleanedRecogniser } from '../../src/recognition/cleaned-recogniser';
import type { Recogniser, RecognitionEvent } from '../../src/recognition/recogniser';
import type { AudioChunk } from '../../src/audio/audio-source';
import { PlaybackReference } from '../../src/audio/playback-reference';
import { ECHO_LATENCY, echoGainFor, throughNonLinearRoom, withVoice } from '../support/room';
import { toChunks } from '../support/speech';

/** Keeps what the cleaner hands on, and when it starts on the microphone's clock. */
class Capture implements Recogniser {
  readonly pieces: Buffer[] = [];
  t0: number | undefined;
  accept(chunk: AudioChunk): RecognitionEvent[] {
    this.t0 ??= chunk.t;
    this.pieces.push(chunk.pcm);
    return [];
  }
  flush(): RecognitionEvent[] {
    return [];
  }
  close(): void {}
}

export interface EchoTrial {
  /** The answer played, from its start (handed to the player at time 0). */
  played: Buffer;
  /** The user's speech (16 kHz int16), said from `at` seconds, at `ratioDb` over the echo (0 for none). */
  user: Buffer | null;
  at: number;
  ratioDb: number;
  clipAt: number;
  driftPpm: number;
  /** Latency the canceller's playback model assumes, less than the room's. */
  modelLatency: number;
}

/** The cleaned microphone audio of a trial, from `from` seconds on (samples at 16 kHz). */
export function cancelledAudio(trial: EchoTrial, from: number): Int16Array {
  const echo = new PlaybackReference(trial.modelLatency);
  const capture = new Capture();
  // RNNoise, as the cached echo clips were made (over playback it does not run).
  const cleaner = new CleanedRecogniser(capture, { suppressor: 'rnnoise', suppressDb: DEFAULT_NOISE_SUPPRESS_DB, echo });
  const gain = echoGainFor(trial.played, trial.ratioDb);
  const echoed = throughNonLinearRoom(trial.played, { clipAt: trial.clipAt, driftPpm: trial.driftPpm }, undefined, gain);
  const mic = trial.user ? withVoice(echoed, trial.user, trial.at) : echoed;
  const step = 3200;
  let handed = 0;
  try {
    for (const c of toChunks(mic, 0)) {
      // The speaker is handed its audio as it plays, 0.1 s at a time.
      while (handed < trial.played.length && (handed / step) * 0.1 <= c.t + 0.1) {
        echo.append(trial.played.subarray(handed, handed + step), (handed / step) * 0.1);
        handed += step;
      }
      cleaner.accept(c);
    }
  } finally {
    cleaner.close();
  }
  const all = Buffer.concat(capture.pieces);
  const skip = Math.max(0, Math.round((from - (capture.t0 ?? 0)) * 16000));
  const out = new Int16Array(Math.max(0, (all.length >> 1) - skip));
  for (let i = 0; i < out.length; i++) out[i] = all.readInt16LE((skip + i) * 2);
  return out;
}

export const MODEL_LATENCY = ECHO_LATENCY - 0.015;
