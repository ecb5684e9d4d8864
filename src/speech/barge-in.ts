import type { CommandRecognitionEvent } from '../recognition/recogniser';
import type { RoomSpeaker } from './speaker';

/** The recogniser's word times are estimates, and the room rings on a little after playback. */
const TAIL_SECONDS = 0.3;

export interface BargeInOptions {
  /** Playback ended by the stop word. */
  onStop?: () => void;
  /**
   * The recogniser stack already drops the device's own voice (echo cancelled and own-voice filter, which the
   * service builds whenever it knows what the speaker plays): then a command said over playback is the user's
   * and counts. Without it, only the stop word can be told from the device's own voice.
   */
  ownVoiceFiltered?: boolean;
}

/**
 * The microphone hears the appliance's own voice. While it plays, the stop word (the keyword whose role is
 * "stop") ends playback at once; the other command words count only when the recogniser stack filters the
 * device's own voice out, and are dropped otherwise. Transcript words heard over the playback are always
 * dropped, so the answer never becomes the next question. A stop word heard while nothing plays means nothing
 * and is dropped too.
 */
export class BargeIn {
  /** Keywords dropped because the speaker was playing (diagnostics). */
  ignored = 0;

  constructor(
    private readonly speaker: RoomSpeaker,
    private readonly o: BargeInOptions = {},
  ) {}

  filter(events: CommandRecognitionEvent[]): CommandRecognitionEvent[] {
    const out: CommandRecognitionEvent[] = [];
    for (const e of events) {
      if (e.type === 'keyword') {
        const playing = this.speaker.playingDuring(e.start, e.end + TAIL_SECONDS);
        if (e.role === 'stop') {
          if (!playing) continue;
          this.speaker.stop();
          this.o.onStop?.();
          out.push(e);
        } else if (playing && !this.o.ownVoiceFiltered) {
          this.ignored++;
        } else {
          out.push(e);
        }
      } else {
        const words = e.words.filter((w) => !this.speaker.playingDuring(w.start, w.end + TAIL_SECONDS));
        if (words.length === e.words.length) out.push(e);
        else if (words.length) out.push({ ...e, words, text: words.map((w) => w.word).join(' '), start: words[0]!.start, end: words[words.length - 1]!.end });
      }
    }
    return out;
  }
}
