import type { CommandRecognitionEvent } from '../recognition/recogniser';
import type { RoomSpeaker } from './speaker';

/** The recogniser's word times are estimates, and the room rings on a little after playback. */
const TAIL_SECONDS = 0.3;

/**
 * The microphone hears the appliance's own voice. While it plays, only the
 * stop word (the keyword whose role is "stop") counts, and it ends playback at once; every other keyword, and
 * transcript words heard over the playback, are dropped so the answer never
 * becomes the next question or triggers a snapshot. A stop word heard while
 * nothing plays means nothing and is dropped too.
 */
export class BargeIn {
  /** Keywords dropped because the speaker was playing (diagnostics). */
  ignored = 0;

  constructor(
    private readonly speaker: RoomSpeaker,
    private readonly onStop: () => void = () => undefined,
  ) {}

  filter(events: CommandRecognitionEvent[]): CommandRecognitionEvent[] {
    const out: CommandRecognitionEvent[] = [];
    for (const e of events) {
      if (e.type === 'keyword') {
        const playing = this.speaker.playingDuring(e.start, e.end + TAIL_SECONDS);
        if (e.role === 'stop') {
          if (!playing) continue;
          this.speaker.stop();
          this.onStop();
          out.push(e);
        } else if (playing) {
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
