import type { AudioChunk } from '../../src/audio/audio-source';
import { CommandRoles } from '../../src/recognition/command-roles';
import { commandRules } from '../../src/recognition/command-words';
import { withCommandRules } from '../../src/recognition/create-recogniser';
import type { CommandRecognitionEvent, Recogniser, RecognitionEvent } from '../../src/recognition/recogniser';

/** An engine that says what it is told to, one batch per chunk (the learned detector's plain events: word, no role). */
class ScriptedEngine implements Recogniser {
  closed = false;
  constructor(
    private readonly batches: Map<number, RecognitionEvent[]>,
    private readonly atFlush: RecognitionEvent[] = [],
  ) {}
  private n = 0;
  accept(): RecognitionEvent[] {
    return this.batches.get(this.n++) ?? [];
  }
  flush(): RecognitionEvent[] {
    return this.atFlush;
  }
  close(): void {
    this.closed = true;
  }
}

const kw = (word: string, start: number): RecognitionEvent => ({ type: 'keyword', word, start, end: start + 0.4, detectedAt: start + 0.5 });
const silence = (t: number): AudioChunk => ({ pcm: Buffer.alloc(3200), t });
const RULES = commandRules({ snapshot: 'photo', reply: 'send', cancel: 'abort', stop: 'halt', confirm: 'yes' });

function run(rec: Recogniser, chunks: number): CommandRecognitionEvent[] {
  const out: CommandRecognitionEvent[] = [];
  for (let i = 0; i < chunks; i++) out.push(...(rec.accept(silence(i * 0.1)) as CommandRecognitionEvent[]));
  out.push(...(rec.flush() as CommandRecognitionEvent[]));
  return out;
}

describe('the recogniser boundary gives every keyword its role', () => {
  it('maps a configured word set to the roles ({snapshot: photo, reply: send, ...}); a word that is no command word is dropped', () => {
    const engine = new ScriptedEngine(
      new Map([
        [0, [kw('photo', 0)]],
        [1, [kw('snapshot', 0.1), kw('send', 0.2)]],
        [2, [kw('abort', 0.3), kw('halt', 0.4), kw('yes', 0.5), kw('reply', 0.6)]],
      ]),
      [kw('Photo', 0.9)],
    );
    const roles = new CommandRoles(engine, RULES);
    const heard = run(roles, 3).map((e) => (e.type === 'keyword' ? [e.word, e.role] : e.type));
    expect(heard).toEqual([
      ['photo', 'snapshot'],
      ['send', 'reply'],
      ['abort', 'cancel'],
      ['halt', 'stop'],
      ['yes', 'confirm'],
      ['Photo', 'snapshot'],
    ]);
    // "snapshot" and "reply" are ordinary words in this configuration.
    expect(roles.dropped).toBe(2);
    roles.close();
    expect(engine.closed).toBe(true);
  });

  it('keeps the word said and its times beside the role', () => {
    const [e] = run(new CommandRoles(new ScriptedEngine(new Map([[0, [kw('photo', 1.25)]]])), RULES), 1);
    expect(e).toEqual({ type: 'keyword', word: 'photo', role: 'snapshot', start: 1.25, end: 1.65, detectedAt: 1.75 });
  });

  it("marks a transcript's command words with their roles and leaves the other words as they were", () => {
    const words = [
      { word: 'please', start: 0, end: 0.3 },
      { word: 'send', start: 0.3, end: 0.6 },
      { word: 'a', start: 0.6, end: 0.7 },
      { word: 'reply', start: 0.7, end: 1.1 },
    ];
    const [t] = run(new CommandRoles(new ScriptedEngine(new Map([[0, [{ type: 'transcript', text: 'please send a reply', words, start: 0, end: 1.1 }]]])), RULES), 1);
    expect(t).toEqual({
      type: 'transcript',
      text: 'please send a reply',
      start: 0,
      end: 1.1,
      words: [words[0], { ...words[1], role: 'reply' }, words[2], words[3]],
    });
  });

  it('is part of the command rules every engine gets (withCommandRules): roles come out after the reply gate', () => {
    // A reply word said after silence and followed by silence: the gate holds it for the gap, then it goes with its role.
    const engine = new ScriptedEngine(new Map([[20, [kw('photo', 1.5)]], [25, [kw('send', 2.0)]], [26, [kw('snapshot', 2.6)]]]));
    const heard = run(withCommandRules(engine, RULES), 40).map((e) => (e.type === 'keyword' ? [e.word, e.role] : e.type));
    expect(heard).toEqual([
      ['photo', 'snapshot'],
      ['send', 'reply'],
    ]);
  });
});
