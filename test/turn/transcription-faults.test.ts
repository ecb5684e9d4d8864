import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TurnEvent } from '../../src/turn/turn-events';
import { PICTURES_ONLY } from '../../src/turn/turn-sender';
import { OFFLINE_TRANSCRIPT_NOTE } from '../../src/turn/turn-attachments';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { askWithCloud, kw, OP } from '../support/cloud-question';
import { locateSent } from '../support/sent-audio';

const messagesOf = (out: TurnEvent[]) => out.filter((e): e is Extract<TurnEvent, { event: 'message' }> => e.event === 'message');
const until = async (pred: () => boolean, ms = 20_000) => {
  for (const end = Date.now() + ms; !pred() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
};

/** A question with a snapshot: phrases, "snapshot" at 3.2 s, "reply" at 8 s. */
const SPEECH: Array<[number, number]> = [[1, 2.2], [2.7, 3.0], [3.2, 3.6], [4.5, 5.8], [6.3, 7.5], [8, 8.4]];
const WORDS = [kw('snapshot', 3.2, 3.6), kw('reply', 8, 8.4)];

/** The test double for a describe block: after each test its faults are cleared and its requests were all valid. */
function testDouble(): { readonly fake: FakeOpenAI } {
  let fake: FakeOpenAI | undefined;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake?.close());
  afterEach(() => {
    fake!.clearFaults();
    expect(fake!.violations).toEqual([]);
  });
  return {
    get fake() {
      return fake!;
    },
  };
}

describe('cloud transcription faults: the question is kept, its audio in the spool, and goes once', () => {
  const double = testDouble();

  it('network down at "reply" (503s past the budget): held with its audio spooled, transcribed from the spool when the API is back, then sent', async () => {
    const { fake } = double;
    fake.inject({ operation: OP, status: 503, times: 1000 });
    const { side, turn, out, turnsDir, sent, source } = await askWithCloud(fake, SPEECH, WORDS, 10, { timeoutMs: 800, stopSender: false });
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
    // The message is the spooled pieces' text in the order spoken, each once (a piece asked for twice, by the
    // sender's own retry meeting the button's, is used once).
    const pieces = locateSent(source, sent())
      .sort((a, b) => a.start - b.start)
      .filter((p, i, all) => i === 0 || p.start !== all[i - 1]!.start);
    expect(pieces).toHaveLength(files.filter((f) => f.endsWith('.flac')).length);
    expect(message!.text).toBe(pieces.map((p) => p.text).join(' '));
    expect(message!.text).not.toBe('');
    expect(message!.file_ids).toHaveLength(1);
    expect(existsSync(join(turnsDir, dir!))).toBe(false);
  }, 60_000);

  it('audio the API refuses (400 unsupported) is decoded offline, and the model is told it may contain errors', async () => {
    const { fake } = double;
    fake.inject({ operation: OP, status: 400, times: 1000, body: { error: { message: 'Invalid file format.', type: 'invalid_request_error', param: null, code: 'invalid_value' } } });
    const { out } = await askWithCloud(fake, SPEECH, WORDS, 10);
    const [message] = messagesOf(out);
    expect(message!.text.startsWith(OFFLINE_TRANSCRIPT_NOTE)).toBe(true);
    expect(message!.file_ids).toHaveLength(1);
  }, 60_000);

  it('a question of only command words: nothing goes to be transcribed, the pictures go and the model is told', async () => {
    const { fake } = double;
    const before = fake.transcriptions.length;
    const { out } = await askWithCloud(fake, [[1, 1.45], [2.5, 2.9]], [kw('snapshot', 1, 1.45), kw('reply', 2.5, 2.9)], 4);
    const [message] = messagesOf(out);
    expect(message).toMatchObject({ text: PICTURES_ONLY, file_ids: [expect.any(String)] });
    expect(fake.transcriptions.length).toBe(before);
  }, 60_000);

  it('401 or 403 holds the question like the assistant refusing; an empty text is an empty question, pictures still go', async () => {
    const { fake } = double;
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
    expect(message!.text).toBe(PICTURES_ONLY);
  }, 60_000);
});

describe('cloud transcription faults the retry policy rides out', () => {
  const double = testDouble();

  const cases: Array<[string, Parameters<FakeOpenAI['inject']>[0]]> = [
    ['429 with retry-after', { operation: OP, status: 429, headers: { 'retry-after': '0.3' } }],
    ['500', { operation: OP, status: 500 }],
    ['503', { operation: OP, status: 503 }],
    ['a reset before the answer (the server did the work)', { operation: OP, resetMidStream: true }],
    ['a request that never answers', { operation: OP, stallMidStream: true }],
  ];
  it.each(cases)('%s: tried again, the question goes with each stretch\'s text once', async (_name, fault) => {
    const { fake } = double;
    fake.inject(fault);
    const { out, sent, source } = await askWithCloud(fake, SPEECH, WORDS, 10, { timeoutMs: 2000 });
    const [message] = messagesOf(out);
    // Answered in any order (the retried one later); in the message in the order spoken, each once.
    const answered = locateSent(source, sent().filter((t) => !t.cut)).sort((a, b) => a.start - b.start);
    expect(message!.text).toBe(answered.map((t) => t.text).join(' '));
    expect(message!.text).not.toBe('');
    expect(out.filter((e) => e.event === 'held')).toEqual([]);
  }, 60_000);

  it('a question longer than the API takes in one file is split, not cut', async () => {
    const small = await startFakeOpenAI({ transcriptionLimits: { maxSeconds: 3 } });
    // No snapshot: one stretch at "reply", 5.5 s, over the double's 3 s limit; pieces of at most 2.5 s.
    const speech: Array<[number, number]> = [[1, 6.5], [7, 7.4]];
    const { out, sent, source } = await askWithCloud(small, speech, [kw('reply', 7, 7.4)], 9, { maxPieceSeconds: 2.5 });
    await small.close();
    const [message] = messagesOf(out);
    // Answered in any order (two at once); in the message, in the order spoken, each once and end to end.
    const pieces = locateSent(source, sent()).sort((a, b) => a.start - b.start);
    expect(pieces.map((p) => Math.round((p.end - p.start) * 10) / 10)).toEqual([2.5, 2.5, expect.closeTo(1, 0)]);
    expect(pieces[1]!.start).toBeCloseTo(pieces[0]!.end, 3);
    expect(pieces[2]!.start).toBeCloseTo(pieces[1]!.end, 3);
    expect(message!.text).toBe(pieces.map((p) => p.text).join(' '));
    expect(small.violations).toEqual([]);
  }, 60_000);
});
