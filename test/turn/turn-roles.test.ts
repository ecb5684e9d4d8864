import { CommandRoles } from '../../src/recognition/command-roles';
import { commandRules } from '../../src/recognition/command-words';
import type { Recogniser, RecognitionEvent } from '../../src/recognition/recogniser';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { turnOnTestDouble, words } from '../support/turn-on-test-double';


/**
 * The turn logic acts on the role the recogniser boundary gave a keyword, never on its spelling: here the
 * boundary is configured with other words ("photo", "send") than the turn logic was given (the defaults).
 */
describe('the turn logic acts on roles', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it('"photo" heard as the snapshot takes a picture, "send" heard as the reply sends; both stay out of the question', async () => {
    const { config, side, turn, clock, events } = await turnOnTestDouble(fake, 'snapask-turnroles-');
    expect(config.commands).toMatchObject({ snapshot: 'snapshot', reply: 'reply' });

    const script: RecognitionEvent[][] = [
      [{ type: 'transcript', text: 'what is in this photo', words: words('what is in this photo', 0.5), start: 0.5, end: 1.75 }],
      [{ type: 'keyword', word: 'photo', start: 1.7, end: 2.0, detectedAt: 2.1 }],
      [{ type: 'transcript', text: 'please send', words: words('please send', 2.4), start: 2.4, end: 2.95 }],
      [{ type: 'keyword', word: 'send', start: 3.2, end: 3.5, detectedAt: 3.6 }],
    ];
    let n = 0;
    const engine: Recogniser = { accept: () => script[n++] ?? [], flush: () => [], close: () => undefined };
    const heard = new CommandRoles(engine, commandRules({ snapshot: 'photo', reply: 'send', cancel: 'cancel', stop: 'stop' }));
    clock.advanceTo(4);
    for (let i = 0; i < script.length; i++) for (const e of heard.accept({ pcm: Buffer.alloc(0), t: i })) turn.onRecognition(e);
    turn.onAudioTime(7);
    await turn.finish();
    await side.sender.stop();

    expect(events.filter((e) => e.event === 'keyword').map((e) => e.event === 'keyword' && [e.word, e.role])).toEqual([
      ['photo', 'snapshot'],
      ['send', 'reply'],
    ]);
    expect(events.filter((e) => e.event === 'snapshot')).toHaveLength(1);
    const message = events.find((e): e is Extract<TurnEvent, { event: 'message' }> => e.event === 'message');
    expect(message).toMatchObject({ text: 'what is in this please', file_ids: [expect.any(String)] });
    expect(events.filter((e) => e.event === 'error')).toEqual([]);
  });
});
