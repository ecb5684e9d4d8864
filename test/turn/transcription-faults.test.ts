import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TurnEvent } from '../../src/turn/turn-events';
import { OFFLINE_TRANSCRIPT_NOTE } from '../../src/turn/turn-sender';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { askWithCloud, kw, OP } from '../support/cloud-question';

const messagesOf = (out: TurnEvent[]) => out.filter((e): e is Extract<TurnEvent, { event: 'message' }> => e.event === 'message');
const until = async (pred: () => boolean, ms = 20_000) => {
  for (const end = Date.now() + ms; !pred() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
};

/** A question with a snapshot: phrases, "snapshot" at 3.2 s, "reply" at 8 s. */
const SPEECH: Array<[number, number]> = [[1, 2.2], [2.7, 3.0], [3.2, 3.6], [4.5, 5.8], [6.3, 7.5], [8, 8.4]];
const WORDS = [kw('snapshot', 3.2, 3.6), kw('reply', 8, 8.4)];

describe('cloud transcription faults: the question is kept, its audio in the spool, and goes once', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());
  afterEach(() => {
    fake.clearFaults();
    expect(fake.violations).toEqual([]);
  });

  it('network down at "reply" (503s past the budget): held with its audio spooled, transcribed from the spool when the API is back, then sent', async () => {
    fake.inject({ operation: OP, status: 503, times: 1000 });
    const { side, turn, out, turnsDir, sent } = await askWithCloud(fake, SPEECH, WORDS, 10, { timeoutMs: 800, stopSender: false });
    await turn.finish();
    expect(out.filter((e) => e.event === 'held').length).toBeGreaterThanOrEqual(1);
    expect(messagesOf(out)).toEqual([]);
    // The question's audio is on disk, beside its picture.
    const [dir] = readdirSync(turnsDir);
    const files = readdirSync(join(turnsDir, dir!));
    expect(files.filter((f) => f.endsWith('.flac')).length).toBeGreaterThanOrEqual(1);
    expect(files.filter((f) => f.endsWith('.jpg'))).toHaveLength(1);
    expect(sent()).toEqual([]);

    fake.clearFaults();
    side.sender.retryNow();
    await until(() => messagesOf(out).length > 0);
    await side.sender.drained();
    await side.sender.stop();
    const [message] = messagesOf(out);
    // Each spooled piece went once; the message is their text in order.
    expect(sent().map((t) => t.filename)).toEqual(files.filter((f) => f.endsWith('.flac')).map(() => 'question.flac'));
    expect(message!.text).toBe(sent().map((t) => t.text).join(' '));
    expect(message!.text).not.toBe('');
    expect(message!.file_ids).toHaveLength(1);
    expect(existsSync(join(turnsDir, dir!))).toBe(false);
  }, 60_000);

  it('audio the API refuses (400 unsupported) is decoded offline, and the model is told it may contain errors', async () => {
    fake.inject({ operation: OP, status: 400, times: 1000, body: { error: { message: 'Invalid file format.', type: 'invalid_request_error', param: null, code: 'invalid_value' } } });
    const { out } = await askWithCloud(fake, SPEECH, WORDS, 10);
    const [message] = messagesOf(out);
    expect(message!.text.startsWith(OFFLINE_TRANSCRIPT_NOTE)).toBe(true);
    expect(message!.file_ids).toHaveLength(1);
  }, 60_000);

  it('401 or 403 holds the question like the assistant refusing; an empty text is an empty question, pictures still go', async () => {
    fake.inject({ operation: OP, status: 401, times: 1000 });
    const refused = await askWithCloud(fake, SPEECH, WORDS, 10, { stopSender: false });
    await refused.turn.finish();
    expect(refused.out.filter((e) => e.event === 'held').map((e) => (e as { reason: string }).reason)).toEqual([expect.stringMatching(/401/)]);
    await refused.side.sender.stop();
    fake.clearFaults();

    fake.inject({ operation: OP, text: '', times: 1000 });
    const empty = await askWithCloud(fake, SPEECH, WORDS, 10);
    const [message] = messagesOf(empty.out);
    expect(message!.file_ids).toHaveLength(1);
    expect(message!.text).toBe('What do you see?');
  }, 60_000);
});
