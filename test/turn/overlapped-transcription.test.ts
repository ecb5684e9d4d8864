import OpenAI from 'openai';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudTranscriber } from '../../src/recognition/cloud-transcriber';
import { commandRules } from '../../src/recognition/command-words';
import type { CommandRecognitionEvent } from '../../src/recognition/recogniser';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { locateSent } from '../support/sent-audio';
import { turnOnTestDouble } from '../support/turn-on-test-double';

const RATE = 16000;
const CHUNK = 0.1;
const OP = 'POST /audio/transcriptions';

/** A sweeping tone inside each speech stretch (its pitch moving with time, so no two stretches sound alike), a hiss that never repeats elsewhere. */
function chunkAt(t: number, speech: Array<[number, number]>): Buffer {
  const n = Math.round(CHUNK * RATE);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const s = t + i / RATE;
    const loud = speech.some(([a, b]) => s >= a && s < b);
    const v = loud ? 3000 * Math.sin(2 * Math.PI * (150 + 40 * s) * s) : ((Math.imul(Math.round(s * RATE) ^ 0x5bd1e995, 0x2c1b3c6d) >>> 0) % 21) - 10;
    out.writeInt16LE(Math.round(v), i * 2);
  }
  return out;
}

const kw = (role: 'snapshot' | 'reply' | 'cancel', start: number, end: number) => ({ at: end + 0.3, e: { type: 'keyword', word: role, role, start, end, detectedAt: end + 0.3 } as CommandRecognitionEvent });

describe('overlapped cloud transcription', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  async function run(speech: Array<[number, number]>, events: Array<{ at: number; e: CommandRecognitionEvent }>, seconds: number, concurrency = 2) {
    const transcriber = new CloudTranscriber({
      client: new OpenAI({ apiKey: 'test', baseURL: fake.url }),
      model: 'gpt-4o-transcribe',
      timeoutMs: 5000,
      concurrency,
      rules: commandRules({ snapshot: 'snapshot', reply: 'reply', cancel: 'cancel', stop: 'stop' }),
      onFallback: () => undefined,
    });
    const { side, turn, clock, events: out } = await turnOnTestDouble(fake, 'snapask-overlap-', {
      cameraSeconds: seconds,
      turn: { transcriber, transcriptWaitSeconds: 0, forget: (t) => transcriber.forget(t) },
    });
    const source: Buffer[] = [];
    const fedAt: Record<string, number> = {};
    const script = [...events].sort((a, b) => a.at - b.at);
    const before = fake.transcriptions.length;
    for (let now = 0; now < seconds; now = Math.round((now + CHUNK) * 10) / 10) {
      clock.advanceTo(now);
      while (script.length && script[0]!.at <= now) {
        const e = script.shift()!.e;
        if (e.type === 'keyword') fedAt[`${e.role}@${e.start}`] = Number(process.hrtime.bigint()) / 1e9;
        turn.onRecognition(e);
      }
      const pcm = chunkAt(now, speech);
      source.push(pcm);
      transcriber.hear({ pcm, t: now });
      turn.onAudio({ pcm, t: now });
      // Four times real time: the requests go while the "user" speaks on.
      await sleep(25);
    }
    await turn.finish();
    await side.sender.stop();
    return { out, fedAt, sent: fake.transcriptions.slice(before), source: Buffer.concat(source) };
  }

  it('sends each finished piece while the user speaks; at "reply" nothing is left; every stretch once, in order, without the command words', async () => {
    fake.latencyMs[OP] = 150;
    // Speech in phrases (0.5 s pauses), "snapshot" at 3.2 s, more phrases, "reply" at 12 s.
    const phrases: Array<[number, number]> = [[1, 2.2], [2.7, 3.0], [4.0, 5.6], [6.1, 7.4], [7.9, 9.5], [10, 11.4]];
    const speech: Array<[number, number]> = [...phrases, [3.2, 3.6], [12, 12.4]];
    const { out, fedAt, sent, source } = await run(speech, [kw('snapshot', 3.2, 3.6), kw('reply', 12, 12.4)], 14);
    delete fake.latencyMs[OP];

    const message = out.find((e): e is Extract<TurnEvent, { event: 'message' }> => e.event === 'message')!;
    const stretches = locateSent(source, sent);
    expect(stretches.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < stretches.length; i++) expect(stretches[i]!.start).toBeGreaterThanOrEqual(stretches[i - 1]!.end - 1e-9);
    // From the first word to the last, every phrase went; the snapshot's and the reply's audio did not.
    expect(stretches[0]!.start).toBeLessThanOrEqual(1.0);
    expect(stretches.at(-1)!.end).toBeGreaterThanOrEqual(11.4);
    expect(stretches.at(-1)!.end).toBeLessThanOrEqual(12);
    const at = (t: number) => source.subarray(Math.round(t * RATE) * 2, Math.round(t * RATE) * 2 + 1600);
    // Each phrase's every 0.1 s is in exactly one request.
    for (const [a, b] of phrases) for (let t = a; t < b - 0.1; t += 0.1) expect(sent.filter((x) => x.pcm.indexOf(at(t)) >= 0)).toHaveLength(1);
    for (const t of sent) {
      expect(t.pcm.indexOf(at(3.3))).toBe(-1);
      expect(t.pcm.indexOf(at(12.1))).toBe(-1);
    }
    expect(message.text).toBe(sent.map((t) => t.text).join(' '));
    // All but the last piece were answered before "reply" was heard.
    const reply = fedAt['reply@12']!;
    expect(sent.filter((t) => t.answeredAt < reply).length).toBeGreaterThanOrEqual(sent.length - 1);
    expect(fake.violations).toEqual([]);
  }, 60_000);

  it('a question without a snapshot goes at "reply" in one request; "cancel" drops pieces in flight', async () => {
    fake.latencyMs[OP] = 400;
    const speech: Array<[number, number]> = [[1, 2.5], [3, 4.5], [4.8, 5.2], [5.6, 5.9], [8, 9.5], [10, 10.4]];
    const { out, sent, source } = await run(
      speech,
      [kw('snapshot', 4.8, 5.2), kw('cancel', 5.6, 5.9), kw('reply', 10, 10.4)],
      12,
    );
    delete fake.latencyMs[OP];
    const messages = out.filter((e): e is Extract<TurnEvent, { event: 'message' }> => e.event === 'message');
    expect(messages).toHaveLength(1);
    // After "cancel" only the new question [8, 9.5] is asked about, in one request, and its text alone is sent.
    const last = locateSent(source, [sent.at(-1)!])[0]!;
    expect(last.start).toBeGreaterThanOrEqual(7.9);
    expect(messages[0]!.text).toBe(sent.at(-1)!.text);
    expect(messages[0]!.file_ids).toEqual([]);
  }, 60_000);
});
