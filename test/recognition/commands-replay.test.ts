import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { parseWav } from '../../src/audio/wav';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { runCli } from '../support/cli';
import { mjpegFrames } from '../support/jpeg';
import { locateSent } from '../support/sent-audio';
import { synthesise } from '../support/speech';

const FPS = 15;
const dir = mkdtempSync(join(tmpdir(), 'snapask-cmd-'));

/**
 * The command words through the whole appliance (replay on the test double,
 * PocketSphinx on flite speech): "cancel" drops the question so far and its
 * picture and says so; "reply" in mid-question does not send; with cloud
 * transcription on, the question's audio since the cancel goes to the double.
 */
describe('cancel, mid-question reply and cloud transcription, end to end', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it('discards the cancelled question and its picture, sends only what follows', async () => {
    const speech = await synthesise(
      [
        { silence: 0.5 }, { text: 'what is on the shelf' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.6 },
        { text: 'cancel' }, { silence: 1.0 },
        { text: 'send a' }, { silence: 0.1 }, { text: 'reply' }, { silence: 0.35 }, { text: 'to anna about this' }, { silence: 0.3 },
        { text: 'snapshot' }, { silence: 1.0 }, { text: 'reply' }, { silence: 2.0 },
      ],
      { engine: 'flite', voice: 'slt' },
    );
    writeFileSync(join(dir, 'q.wav'), speech.wav);
    writeFileSync(join(dir, 'c.mjpeg'), mjpegFrames(Math.ceil(speech.duration * FPS) + 1, '320x240', FPS));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ transcription: { enabled: true }, stateDir: join(dir, 'state') }));
    const run = await runCli(['replay', '--audio', join(dir, 'q.wav'), '--camera', join(dir, 'c.mjpeg'), '--fps', String(FPS), '--api-base', fake.url, '--json', '--out', dir, '--config', join(dir, 'config.json')]);
    expect(run.events.filter((e) => e.event === 'error')).toEqual([]);
    expect(fake.violations).toEqual([]);
    expect(run.events.filter((e) => e.event === 'cancelled')).toEqual([{ event: 'cancelled', pictures: 1 }]);
    expect(run.events.filter((e) => e.event === 'snapshot')).toHaveLength(2);
    const messages = run.events.filter((e) => e.event === 'message') as Array<{ text: string; file_ids: string[] }>;
    expect(messages).toHaveLength(1);
    expect(messages[0]!.file_ids).toHaveLength(1);
    const reply = speech.words[speech.words.length - 1]!;
    // Every stretch of the question after "cancel" went to the cloud once and in order, in pieces while it was
    // spoken (it has a snapshot), and the message is their text; the command words' audio never went.
    // (Pieces of the cancelled question may have gone too, while it was spoken; their text is dropped with it.)
    const cancel = speech.words.find((w) => w.text === 'cancel')!;
    const sent = locateSent(parseWav(speech.wav).pcm, fake.transcriptions).filter((s) => s.start >= cancel.end);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.start).toBeGreaterThanOrEqual(sent[i - 1]!.end);
    expect(messages[0]!.text).toBe(sent.map((s) => s.text).filter(Boolean).join(' '));
    const first = speech.words.find((w) => w.text === 'send a')!;
    expect(Math.abs(sent[0]!.start - first.start)).toBeLessThan(0.3);
    const source = parseWav(speech.wav).pcm;
    const snap = run.events.filter((e) => e.event === 'keyword' && e.role === 'snapshot').at(-1) as { start: number; end: number };
    const middle = Math.round(((snap.start + snap.end) / 2) * 16000) * 2;
    const inSnapshot = source.subarray(middle, middle + 1600);
    for (const t of fake.transcriptions) expect(t.pcm.indexOf(inSnapshot)).toBe(-1);
    expect(sent.at(-1)!.end).toBeLessThanOrEqual(reply.start + 0.05);
    const req = fake.requests.find((r) => r.operation === 'POST /audio/transcriptions');
    expect((req?.body as { model?: string }).model).toBe('gpt-4o-transcribe');
    // "Cancelled, and one picture discarded." was spoken (to a WAV in a replay) before the answer.
    expect(run.events.filter((e) => e.event === 'spoken').map((e) => e.wav)).toEqual([join(dir, 'answer-2.wav')]);
    const notice = parseWav(readFileSync(join(dir, 'answer-1.wav')));
    expect(notice.pcm.length / 2 / notice.sampleRate).toBeGreaterThan(1.2);
  }, 120_000);

  it('takes other command words from the config ("picture" and "send")', async () => {
    const speech = await synthesise(
      [{ silence: 0.5 }, { text: 'what is this' }, { silence: 0.3 }, { text: 'picture' }, { silence: 0.4 }, { text: 'and this' }, { silence: 0.3 }, { text: 'picture' }, { silence: 0.9 }, { text: 'send' }, { silence: 1.5 }],
      { engine: 'flite', voice: 'rms' },
    );
    writeFileSync(join(dir, 'q2.wav'), speech.wav);
    writeFileSync(join(dir, 'c2.mjpeg'), mjpegFrames(Math.ceil(speech.duration * FPS) + 1, '320x240', FPS));
    writeFileSync(join(dir, 'config2.json'), JSON.stringify({ commands: { snapshot: 'picture', reply: 'send' }, stateDir: join(dir, 'state2') }));
    const run = await runCli(['replay', '--audio', join(dir, 'q2.wav'), '--camera', join(dir, 'c2.mjpeg'), '--fps', String(FPS), '--api-base', fake.url, '--json', '--config', join(dir, 'config2.json')]);
    expect(run.events.filter((e) => e.event === 'error')).toEqual([]);
    expect(run.events.filter((e) => e.event === 'keyword').map((e) => [e.word, e.role])).toEqual([
      ['picture', 'snapshot'],
      ['picture', 'snapshot'],
      ['send', 'reply'],
    ]);
    const messages = run.events.filter((e) => e.event === 'message') as Array<{ text: string; file_ids: string[] }>;
    expect(messages).toHaveLength(1);
    expect(messages[0]!.file_ids).toHaveLength(2);
    expect(messages[0]!.text).not.toMatch(/picture|send/);
  }, 120_000);
});
