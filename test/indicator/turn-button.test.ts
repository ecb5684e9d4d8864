import { existsSync, readdirSync } from 'node:fs';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { turnOnTestDouble, words } from '../support/turn-on-test-double';


/** What the button asks of the turn logic, on the real spool, upload queue and sender against the API test double. */
describe('the button in the turn logic', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  const setUp = () => turnOnTestDouble(fake, 'snapask-turnbtn-');

  it('a short press sends the words so far as the question, as "reply" would', async () => {
    const { side, turn, clock, events } = await setUp();
    clock.advanceTo(3);
    turn.onRecognition({ type: 'transcript', text: 'what is on the table', words: words('what is on the table', 1), start: 1, end: 2.5 });
    turn.replyNow(3);
    turn.onAudioTime(3.1);
    await turn.finish();
    await side.sender.stop();
    const message = events.find((e): e is Extract<TurnEvent, { event: 'message' }> => e.event === 'message');
    expect(message?.text).toBe('what is on the table');
    expect(events.some((e) => e.event === 'spoken')).toBe(true);
  });

  it('a long press drops the open question, its snapshot included, from memory and from the spool', async () => {
    const { side, turn, clock, events, turnsDir } = await setUp();
    clock.advanceTo(2);
    turn.onRecognition({ type: 'transcript', text: 'tell me more', words: words('tell me more', 0.5), start: 0.5, end: 1.3 });
    turn.onRecognition({ type: 'keyword', word: 'snapshot', role: 'snapshot', start: 1.5, end: 1.9, detectedAt: 2 });
    expect(events.filter((e) => e.event === 'snapshot')).toHaveLength(1);
    // Pressed while the picture is still uploading and being written to the spool.
    turn.startOver(2.1);
    clock.advanceTo(5);
    turn.onRecognition({ type: 'transcript', text: 'what colour is it', words: words('what colour is it', 3), start: 3, end: 4.2 });
    turn.onRecognition({ type: 'keyword', word: 'reply', role: 'reply', start: 4.5, end: 4.8, detectedAt: 4.9 });
    await turn.finish();
    await side.sender.stop();
    // Let the dropped turn's writes finish and its removal run.
    await new Promise((r) => setTimeout(r, 300));
    const message = events.find((e): e is Extract<TurnEvent, { event: 'message' }> => e.event === 'message');
    expect(message).toMatchObject({ text: 'what colour is it', file_ids: [] });
    expect(existsSync(turnsDir) ? readdirSync(turnsDir) : []).toEqual([]);
    expect(events.filter((e) => e.event === 'error')).toEqual([]);
    // The dropped picture reached OpenAI before the press; it is deleted there too.
    const uploaded = events.find((e): e is Extract<TurnEvent, { event: 'upload' }> => e.event === 'upload')!;
    expect(fake.files.has(uploaded.file_id)).toBe(false);
    expect(fake.requests.some((r) => r.operation === 'DELETE /files/{file_id}' && r.path.endsWith(uploaded.file_id))).toBe(true);
  });
});
