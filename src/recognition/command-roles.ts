import type { AudioChunk } from '../audio/audio-source';
import { roleOf, type CommandRules } from './command-words';
import type { CommandRecogniser, CommandRecognitionEvent, HeardWord, Recogniser, RecognitionEvent } from './recogniser';

/**
 * The recogniser boundary: each keyword an engine spotted leaves with the part it plays (snapshot, reply,
 * cancel, stop, confirm), read once from the command rules, so nothing after it compares words. A keyword that
 * is no command word (an engine spotting more than it was asked) is dropped. Transcripts pass, their command
 * words marked with their roles too (kept out of the question's text and of "a question has started").
 */
export class CommandRoles implements CommandRecogniser {
  /** Keywords dropped because they are no command word (diagnostics). */
  dropped = 0;

  constructor(
    private readonly inner: Recogniser,
    private readonly rules: CommandRules,
  ) {}

  accept(chunk: AudioChunk): CommandRecognitionEvent[] {
    return this.withRoles(this.inner.accept(chunk));
  }

  flush(): CommandRecognitionEvent[] {
    return this.withRoles(this.inner.flush());
  }

  close(): void {
    this.inner.close();
  }

  private withRoles(events: RecognitionEvent[]): CommandRecognitionEvent[] {
    const out: CommandRecognitionEvent[] = [];
    for (const e of events) {
      if (e.type === 'transcript') {
        out.push({ ...e, words: e.words.map((w) => this.marked(w)) });
        continue;
      }
      const role = roleOf(this.rules, e.word);
      if (role) out.push({ ...e, role });
      else this.dropped++;
    }
    return out;
  }

  private marked(w: HeardWord): HeardWord {
    const role = roleOf(this.rules, w.word);
    return role ? { ...w, role } : w;
  }
}
