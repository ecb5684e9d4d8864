import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { STORAGE_FULL_SPOKEN } from '../../src/app/thread-manager-factory';
import type { Speaker } from '../../src/speech/speaker';
import type { TurnEvent } from '../../src/turn/turn-events';
import { STORAGE_FULL_REFUSED } from '../../src/turn/turn-sender';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { askWithCloud, kw, OP } from '../support/cloud-question';
import { locateSent } from '../support/sent-audio';
import { mountSmallDisk, type SmallDisk } from '../support/tmpfs';

const messagesOf = (out: TurnEvent[]) => out.filter((e): e is Extract<TurnEvent, { event: 'message' }> => e.event === 'message');
const errorsOf = (out: TurnEvent[], stage: string) => out.filter((e): e is Extract<TurnEvent, { event: 'error' }> => e.event === 'error' && e.stage === stage);
const until = async (pred: () => boolean, ms = 20_000) => {
  for (const end = Date.now() + ms; !pred() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
};

/** A question with a snapshot: phrases, "snapshot" at 3.2 s, "reply" at 8 s. */
const SPEECH: Array<[number, number]> = [[1, 2.2], [2.7, 3.0], [3.2, 3.6], [4.5, 5.8], [6.3, 7.5], [8, 8.4]];
const WORDS = [kw('snapshot', 3.2, 3.6), kw('reply', 8, 8.4)];

/** What the device says, as text. */
function sayings(): { said: string[]; speaker: Speaker } {
  const said: string[] = [];
  return {
    said,
    speaker: {
      async speak(sentences) {
        let text = '';
        for await (const s of sentences) text += (text ? ' ' : '') + s.trim();
        said.push(text.trim());
        return { sentences: 1 };
      },
    },
  };
}

const disk = mountSmallDisk(1024 * 1024);
const mounted = 'dir' in disk;

/**
 * A full SD card under a cloud-transcribed question (the real turn logic, spool, sender and transcriber against
 * the test double; the state directory on a 1 MiB tmpfs filled to the last page): nothing of the question can be
 * written, and still it goes, pictures and every stretch of its audio once and in order, from memory; the owner
 * hears once that the storage is full.
 */
(mounted ? describe : describe.skip)(`a question on a full disk${mounted ? '' : ` (skipped: ${(disk as { why: string }).why})`}`, () => {
  const d = disk as SmallDisk;
  let fake: FakeOpenAI;
  let n = 0;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake.close();
    d.unmount();
  });
  afterEach(() => {
    fake.clearFaults();
    d.unfill();
    expect(fake.violations).toEqual([]);
  });
  const stateDir = () => {
    const s = join(d.dir, `state-${n++}`);
    mkdirSync(s);
    return s;
  };

  it('the network is up: the question goes from memory, its picture and text whole; said once, one log line, no other spool error', async () => {
    const state = stateDir();
    d.fill();
    const { said, speaker } = sayings();
    const { out, sent, source } = await askWithCloud(fake, SPEECH, WORDS, 10, { stateDir: state, speaker });
    const [message] = messagesOf(out);
    const pieces = locateSent(source, sent()).sort((a, b) => a.start - b.start);
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect(message!.text).toBe(pieces.map((p) => p.text).join(' '));
    expect(message!.file_ids).toHaveLength(1);
    const full = errorsOf(out, 'storage');
    expect(full).toHaveLength(1);
    expect(full[0]!.message).toMatch(/the device's storage is full .*kept in memory only .*Fix: free space on the SD card/);
    expect(errorsOf(out, 'spool')).toEqual([]);
    expect(said.filter((s) => s === STORAGE_FULL_SPOKEN)).toHaveLength(1);
    // Nothing of it is left on the card (nothing got there), and the answer was spoken.
    expect(existsSync(join(state, 'turns')) ? readdirSync(join(state, 'turns')).flatMap((t) => readdirSync(join(state, 'turns', t))) : []).toEqual([]);
    expect(out.filter((e) => e.event === 'reply')).toHaveLength(1);
  }, 60_000);

  it('the network is down too: held in memory with its audio, transcribed from memory when the API is back, sent once', async () => {
    const state = stateDir();
    d.fill();
    fake.inject({ operation: OP, status: 503, times: 1000 });
    const { said, speaker } = sayings();
    const { side, turn, out, sent, source } = await askWithCloud(fake, SPEECH, WORDS, 10, { stateDir: state, speaker, timeoutMs: 800, stopSender: false });
    await turn.finish();
    expect(out.filter((e) => e.event === 'held').length).toBeGreaterThanOrEqual(1);
    expect(messagesOf(out)).toEqual([]);
    expect(sent()).toEqual([]);

    fake.clearFaults();
    side.sender.retryNow();
    await until(() => messagesOf(out).length > 0);
    await side.sender.drained();
    await side.sender.stop();
    const messages = messagesOf(out);
    expect(messages).toHaveLength(1);
    // Every stretch once, in the order spoken (a piece asked for twice, by a retry meeting the button's, counts once).
    const pieces = locateSent(source, sent())
      .sort((a, b) => a.start - b.start)
      .filter((p, i, all) => i === 0 || p.start !== all[i - 1]!.start);
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect(messages[0]!.text).toBe(pieces.map((p) => p.text).join(' '));
    expect(messages[0]!.file_ids).toHaveLength(1);
    expect(errorsOf(out, 'storage')).toHaveLength(1);
    expect(said.filter((s) => s === STORAGE_FULL_SPOKEN)).toHaveLength(1);
  }, 60_000);

  it('the last resort: while a question kept in memory only cannot go, a new one is refused, said aloud; the first goes when the API is back', async () => {
    const state = stateDir();
    d.fill();
    // The assistant cannot be reached (the transcriptions still can): the first question is held, in memory only.
    fake.inject({ operation: 'POST /responses', status: 503, times: 1000 });
    const asks = fake.questions.length;
    const { said, speaker } = sayings();
    const second = (t: number) => t + 10;
    const speech: Array<[number, number]> = [...SPEECH, ...SPEECH.map(([a, b]): [number, number] => [second(a), second(b)])];
    const words = [...WORDS, kw('snapshot', second(3.2), second(3.6)), kw('reply', second(8), second(8.4))];
    const { side, turn, out } = await askWithCloud(fake, speech, words, 20, { stateDir: state, speaker, stopSender: false });
    await turn.finish();
    const full = errorsOf(out, 'storage');
    expect(full).toHaveLength(2);
    expect(full[1]!.message).toMatch(/a new question was refused: the device's storage is full and the question before it, kept in memory only, cannot be sent yet/);
    expect(said.filter((s) => s === STORAGE_FULL_SPOKEN)).toHaveLength(1);
    expect(said.filter((s) => s === STORAGE_FULL_REFUSED)).toHaveLength(1);

    fake.clearFaults();
    side.sender.retryNow();
    await until(() => messagesOf(out).length > 0);
    await side.sender.drained();
    await side.sender.stop();
    // The first question went once (tried while held: a message event per attempt), with its picture; the refused one never did.
    const turns = new Set(messagesOf(out).map((m) => m.turn));
    expect(turns.size).toBe(1);
    expect(fake.questions.slice(asks)).toEqual([messagesOf(out)[0]!.text]);
    expect(messagesOf(out)[0]!.file_ids).toHaveLength(1);
    expect(out.filter((e) => e.event === 'reply')).toHaveLength(1);
  }, 60_000);
});
