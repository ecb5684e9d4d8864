/** What a finished answer left behind. `wav` is set by sinks that keep the audio. */
export interface SpokenAnswer {
  sentences: number;
  wav?: string;
  /** performance.now() when the first audio sample went to the device, where the sink knows it. */
  firstAudioAt?: number;
}

/**
 * Says an answer aloud, sentence by sentence as the sentences arrive, so the
 * first one plays while the model is still writing the rest.
 */
export interface Speaker {
  speak(sentences: AsyncIterable<string>): Promise<SpokenAnswer>;
}

export class SpeakerError extends Error {
  override name = 'SpeakerError';
}
