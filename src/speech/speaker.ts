/** What a finished answer left behind. `wav` is set by sinks that keep the audio. */
export interface SpokenAnswer {
  sentences: number;
  wav?: string;
  /** performance.now() when the first audio sample went to the device, where the sink knows it. */
  firstAudioAt?: number;
  /** Playback was stopped ("stop" while speaking). */
  interrupted?: boolean;
  /** Playback failed (the answer's text was still consumed): why. */
  failed?: string;
}

/**
 * Says an answer aloud, sentence by sentence as the sentences arrive, so the
 * first one plays while the model is still writing the rest.
 */
export interface Speaker {
  /** `offline`: the text must not leave the device (said by an offline voice only). */
  speak(sentences: AsyncIterable<string>, o?: { offline?: boolean }): Promise<SpokenAnswer>;
}

/** A speaker that plays into the room, which the microphone also hears. */
export interface RoomSpeaker extends Speaker {
  /** Ends playback at once (barge-in). */
  stop(): void;
  /** Was the speaker playing at any moment of [from, to] (seconds on the audio clock)? */
  playingDuring(from: number, to: number): boolean;
}

/** Plays a whole sound (a cue) on the device's speaker, in turn with the voice. */
export interface SoundPlayer {
  /** Resolves once played (or silenced by a stop); rejects with why it could not play. */
  play(wav: Buffer): Promise<void>;
}

export class SpeakerError extends Error {
  override name = 'SpeakerError';
}
