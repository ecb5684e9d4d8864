import OpenAI from 'openai';
import { CloudTranscriber, withoutCommandWords } from '../../src/recognition/cloud-transcriber';
import { commandRules, roleOf, spottedWords } from '../../src/recognition/command-words';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { wordsFor } from '../fake-openai/transcription';

const WORDS = { snapshot: 'snapshot', reply: 'reply', cancel: 'cancel', stop: 'stop' };

describe('command rules', () => {
  it('normalises the configured words and maps heard words to their parts', () => {
    const r = commandRules({ ...WORDS, snapshot: ' Picture ' }, { thresholds: { picture: 1e-20 } });
    expect(spottedWords(r)).toEqual(['picture', 'reply', 'cancel', 'stop']);
    expect(roleOf(r, 'PICTURE')).toBe('snapshot');
    expect(roleOf(r, 'snapshot')).toBeUndefined();
    expect(r.thresholds).toEqual({ picture: 1e-20 });
    expect(r.replyGapSeconds).toBe(0.45);
    expect(r.replyPauseBeforeSeconds).toBe(0.1);
    expect(r.replyPauseBeforeNoisySeconds).toBe(0.25);
    // The configuration's recogniser section is passed as it is: its timing keys reach the rules.
    expect(commandRules(WORDS, { replyPauseBeforeSeconds: 0.05, replyPauseBeforeNoisySeconds: 0.4 })).toMatchObject({ replyPauseBeforeSeconds: 0.05, replyPauseBeforeNoisySeconds: 0.4 });
  });

  it('refuses ambiguous or unusable word sets with one line naming the keys', () => {
    expect(() => commandRules({ ...WORDS, cancel: 'reply' })).toThrow('commands.cancel and commands.reply are the same word "reply"');
    expect(() => commandRules({ ...WORDS, stop: 'stop now' })).toThrow(/commands\.stop: invalid keyword "stop now"/);
    expect(() => commandRules(WORDS, { thresholds: { snap: 1e-10 } })).toThrow('recogniser.thresholds: "snap" is not one of the command words');
  });
});

describe('withoutCommandWords', () => {
  it('takes the spoken command words out of a cloud transcript, punctuation and all', () => {
    const w = Object.values(WORDS);
    expect(withoutCommandWords('What is this? Snapshot. Is it ripe? Reply.', w)).toBe('What is this? Is it ripe?');
    expect(withoutCommandWords('snapshot, snapshot and the other side snapshot reply', w)).toBe('and the other side');
    expect(withoutCommandWords('Will the reply come today?', ['snapshot'])).toBe('Will the reply come today?');
    expect(withoutCommandWords('Replying to snapshots', w)).toBe('Replying to snapshots');
    // Another language (with its own Vosk model): words of any letters.
    expect(withoutCommandWords('Was ist das? Schnappschuss. Ist es reif? Antwort.', ['schnappschuss', 'antwort'])).toBe('Was ist das? Ist es reif?');
    expect(spottedWords(commandRules({ snapshot: 'photo', reply: 'réponds', cancel: 'annule', stop: 'arrête' }))).toEqual(['photo', 'réponds', 'annule', 'arrête']);
  });
});

describe('CloudTranscriber (against the test double)', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  const make = (fallbacks: string[]) =>
    new CloudTranscriber({
      client: new OpenAI({ apiKey: 'test', baseURL: fake.url }),
      model: 'gpt-4o-transcribe',
      timeoutMs: 5000,
      rules: commandRules(WORDS),
      onFallback: (m) => fallbacks.push(m),
    });
  const feed = (t: CloudTranscriber, seconds: number) => {
    for (let i = 0; i < seconds * 10; i++) t.hear({ pcm: Buffer.alloc(3200, 3), t: i / 10 });
  };

  it('sends the question stretch of the kept audio as WAV with the command words as hints', async () => {
    const fallbacks: string[] = [];
    const t = make(fallbacks);
    feed(t, 6);
    expect(await t.transcribe(1.2, 3.55, 'offline text')).toBe(wordsFor(Buffer.alloc(2.35 * 32000, 3)));
    expect(fake.transcriptions.at(-1)!.seconds).toBeCloseTo(2.35, 3);
    expect(fallbacks).toEqual([]);
    expect(fake.violations).toEqual([]);
    const req = fake.requests.find((r) => r.operation === 'POST /audio/transcriptions')!;
    const body = req.body as Record<string, unknown>;
    expect(body.model).toBe('gpt-4o-transcribe');
    expect(String(body.prompt)).toContain('"snapshot", "reply", "cancel", "stop"');
    // The audio before the reply is forgotten (in whole 0.1 s chunks): a second question gets only its own stretch.
    expect(await t.transcribe(0, 5, 'x')).toBe(wordsFor(Buffer.alloc(1.5 * 32000, 3)));
    expect(fake.transcriptions.at(-1)!.seconds).toBeCloseTo(1.5, 3);
  });

  it('cuts the command words out of the audio by their times, and sends the language when configured', async () => {
    const t = new CloudTranscriber({ client: new OpenAI({ apiKey: 'test', baseURL: fake.url }), model: 'gpt-4o-mini-transcribe', language: 'en', timeoutMs: 5000, rules: commandRules(WORDS), onFallback: () => undefined });
    // Every 0.1 s chunk holds a different value, so the audio sent shows exactly which stretches went.
    const chunk = (i: number) => Buffer.alloc(3200, i + 1);
    for (let i = 0; i < 40; i++) t.hear({ pcm: chunk(i), t: 10 + i / 10 });
    await t.transcribe(10.5, 13.5, 'x', [[11, 11.5], [12.2, 12.4]]);
    const sent = fake.transcriptions.at(-1)!;
    const expected = Buffer.concat([...[5, 6, 7, 8, 9], ...[15, 16, 17, 18, 19, 20, 21], ...[24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34]].map(chunk));
    expect(sent.pcm.equals(expected)).toBe(true);
    expect(sent).toMatchObject({ model: 'gpt-4o-mini-transcribe', language: 'en' });
    expect(fake.violations).toEqual([]);
  });

  it('tries a 500 again within its budget (the retry policy), and keeps the offline text once that is spent', async () => {
    const fallbacks: string[] = [];
    const t = make(fallbacks);
    feed(t, 6);
    fake.inject({ operation: 'POST /audio/transcriptions', status: 500, times: 1 });
    const before = fake.requests.length;
    expect(await t.transcribe(0.5, 2.5, 'what is this')).toBe(wordsFor(Buffer.alloc(2 * 32000, 3)));
    expect(fake.requests.length - before).toBe(2);
    // Failing for longer than the budget (5 s; backoff 0.5, 1, 2 s): the offline text stands.
    fake.inject({ operation: 'POST /audio/transcriptions', status: 500, times: 10 });
    expect(await t.transcribe(3, 5.5, 'what is that')).toBe('what is that');
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]).toMatch(/^cloud transcription failed, using the offline text: transcribing the question: the OpenAI API answered 500/);
  });
});
