import type { AudioChunk } from '../audio/audio-source';
import type { Recogniser, RecognitionEvent } from './recogniser';

/**
 * A keyword spotter that transcribes nothing, paired with an engine that transcribes: both hear every chunk;
 * the command words come from the spotter, the question's words from the transcriber.
 */
export class KeywordsWithTranscripts implements Recogniser {
  constructor(
    private readonly spotter: Recogniser,
    private readonly transcriber: Recogniser,
  ) {}

  accept(chunk: AudioChunk): RecognitionEvent[] {
    return this.merge(this.spotter.accept(chunk), this.transcriber.accept(chunk));
  }

  flush(): RecognitionEvent[] {
    return this.merge(this.spotter.flush(), this.transcriber.flush());
  }

  close(): void {
    this.spotter.close();
    this.transcriber.close();
  }

  private merge(keywords: RecognitionEvent[], heard: RecognitionEvent[]): RecognitionEvent[] {
    return [...keywords.filter((e) => e.type === 'keyword'), ...heard.filter((e) => e.type === 'transcript')];
  }
}
