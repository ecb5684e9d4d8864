import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav, parseWav } from '../../src/audio/wav';
import type { TurnRecord } from '../../src/spool/turn-spool';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { OP } from '../support/cloud-question';
import { fakeEnv } from '../support/fake-bin';
import { locateSent } from '../support/sent-audio';
import { writeServiceConfig } from '../support/service-config';
import { startService, type ServiceProcess } from '../support/service-process';
import { synthesise, type SpeechPart } from '../support/speech';

interface LogLine {
  msg: string;
  turn?: TurnEvent;
}

const FPS = 15;
/** Each transcription takes this long on the double: pieces are in flight when the service is killed. */
const LATENCY_MS = 6000;

/** A hiss too quiet to be speech, so that no two pauses are alike and each sent piece is found in the recording. */
function dithered(wav: Buffer): Buffer {
  const { pcm } = parseWav(wav);
  const out = Buffer.alloc(pcm.length);
  for (let i = 0; i < pcm.length / 2; i++) {
    const hiss = ((Math.imul(i ^ 0x5bd1e995, 0x2c1b3c6d) >>> 0) % 17) - 8;
    out.writeInt16LE(Math.max(-32768, Math.min(32767, pcm.readInt16LE(i * 2) + hiss)), i * 2);
  }
  return encodeWav(out, 16000);
}

async function recording(dir: string, name: string, parts: SpeechPart[]): Promise<{ path: string; pcm: Buffer }> {
  const wav = dithered((await synthesise(parts, { engine: 'flite', voice: 'kal' })).wav);
  const path = join(dir, name);
  writeFileSync(path, wav);
  return { path, pcm: parseWav(wav).pcm };
}

const turnsOf = (svc: ServiceProcess<LogLine>) => svc.lines.flatMap((l) => (l.turn ? [l.turn] : []));
const messagesOf = (svc: ServiceProcess<LogLine>) => turnsOf(svc).filter((t): t is Extract<TurnEvent, { event: 'message' }> => t.event === 'message');

/** The spooled turn's record as the kill left it. */
function spooled(state: string): TurnRecord[] {
  const dir = join(state, 'turns');
  return readdirSync(dir).flatMap((t) => {
    try {
      return [JSON.parse(readFileSync(join(dir, t, 'turn.json'), 'utf8')) as TurnRecord];
    } catch {
      return [];
    }
  });
}

/**
 * `snapask run` in cloud mode, killed with SIGKILL while its question's audio is being transcribed, then started
 * again on the same state directory: the question is sent exactly once, its picture with it, and its text is the
 * text of every spooled stretch of its audio, each once and in the order spoken (a request cut by the kill is
 * made again; its text is used once). The double answers each transcription after LATENCY_MS with one word per
 * 0.25 s of the audio it was sent, so the message shows which stretches reached it.
 */
describe('kill -9 with transcriptions in flight, then a restart', () => {
  let fake: FakeOpenAI;
  let dir: string;
  let question: { path: string; pcm: Buffer };
  let replyOnly: { path: string };
  let quiet: { path: string };
  const running: ServiceProcess<LogLine>[] = [];

  beforeAll(async () => {
    // The answer streams for a while (20 ms between events): a kill at the message falls inside it.
    fake = await startFakeOpenAI({ eventDelayMs: 20 });
    fake.latencyMs[OP] = LATENCY_MS;
    dir = mkdtempSync(join(tmpdir(), 'snapask-kill-cloud-'));
    question = await recording(dir, 'question.wav', [
      { silence: 1.0 }, { text: 'what is on the table' }, { silence: 0.6 }, { text: 'snapshot' }, { silence: 0.7 },
      { text: 'and what colour is it' }, { silence: 0.9 }, { text: 'is it made of wood or metal' }, { silence: 2.5 }, { text: 'reply' }, { silence: 2.0 },
    ]);
    replyOnly = await recording(dir, 'reply.wav', [{ silence: 1.5 }, { text: 'reply' }, { silence: 2.0 }]);
    quiet = await recording(dir, 'quiet.wav', [{ silence: 3.0 }]);
  }, 60_000);
  afterEach(() => {
    for (const s of running.splice(0)) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
  });
  afterAll(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
  });

  /** A service on `state` whose microphone plays `first` at its first start and `then` at the next. */
  function start(state: string, first: string, then: string): ServiceProcess<LogLine> {
    const here = mkdtempSync(join(dir, 'run-'));
    writeServiceConfig(here, {
      apiBase: fake.url,
      frames: FPS * 4,
      size: '320x240',
      fps: FPS,
      camera: { pipelineDelayMs: 0 },
      config: { stateDir: state, transcription: { mode: 'cloud', timeoutMs: 20_000 }, spool: { retryMs: 200, maxRetryMs: 1000 }, speaker: { cues: false } },
    });
    const sequence = join(state, '..', `${state.split('/').pop()}-mic.txt`);
    try {
      readFileSync(sequence);
    } catch {
      writeFileSync(sequence, `${first}\n${then}\n`);
    }
    const env = fakeEnv({ FAKE_ARECORD_SEQUENCE: sequence, FAKE_CAMERA_MJPEG: join(here, 'cam.mjpeg'), FAKE_APLAY_DIR: join(here, 'played') });
    delete env.OPENAI_API_KEY;
    const svc = startService<LogLine>(join(here, 'config.json'), env);
    running.push(svc);
    return svc;
  }

  async function kill(svc: ServiceProcess<LogLine>): Promise<void> {
    svc.proc.kill('SIGKILL');
    await svc.exited;
  }

  /** The stretches the double transcribed since `from` (a repeated request once), in the order spoken, none overlapping. */
  function stretchesSince(from: number) {
    const located = locateSent(question.pcm, fake.transcriptions.slice(from)).sort((a, b) => a.start - b.start);
    const once = located.filter((p, i) => i === 0 || Math.abs(p.start - located[i - 1]!.start) > 0.001);
    for (let i = 1; i < once.length; i++) expect(once[i]!.start).toBeGreaterThanOrEqual(once[i - 1]!.end - 0.001);
    return once;
  }

  const answered = (l: LogLine[]) => l.some((x) => x.turn?.event === 'timings');

  it('killed with pieces in flight before "reply": the open question keeps its spooled audio and goes once at the next "reply"', async () => {
    const state = join(mkdtempSync(join(dir, 'a-')), 'state');
    const before = fake.transcriptions.length;
    const asks = fake.questions.length;
    const requestsBefore = fake.requests.filter((r) => r.operation === OP).length;
    const first = start(state, question.path, replyOnly.path);
    // A piece is on its way (the double holds it LATENCY_MS), "reply" not yet heard.
    await first.until(() => fake.requests.filter((r) => r.operation === OP).length > requestsBefore, 60_000);
    expect(turnsOf(first).some((t) => t.event === 'keyword' && t.role === 'reply')).toBe(false);
    await kill(first);
    const [left] = spooled(state);
    expect(left).toMatchObject({ state: 'open', snapshots: [expect.objectContaining({ file: expect.any(String) })] });
    const onDisk = left!.pieces ?? [];
    expect(onDisk.length).toBeGreaterThanOrEqual(1);

    const second = start(state, question.path, replyOnly.path);
    await second.until(answered, 60_000);
    await second.stop();
    const [message] = messagesOf(second);
    expect(messagesOf(first)).toEqual([]);
    expect(message!.file_ids).toHaveLength(1);
    const stretches = stretchesSince(before);
    expect(stretches.length).toBe(onDisk.length);
    expect(message!.text).toBe(stretches.map((s) => s.text).join(' '));
    expect(message!.text).not.toBe('');
    expect(fake.questions.slice(asks)).toEqual([message!.text]);
  }, 150_000);

  it('killed after "reply", before the message (pieces in flight): sent once after the restart, every stretch once and in order', async () => {
    const state = join(mkdtempSync(join(dir, 'b-')), 'state');
    const before = fake.transcriptions.length;
    const asks = fake.questions.length;
    const first = start(state, question.path, quiet.path);
    await first.until((l) => l.some((x) => x.turn?.event === 'queued'), 60_000);
    await kill(first);
    expect(messagesOf(first)).toEqual([]);
    const [left] = spooled(state);
    expect(left!.state).toBe('closed');
    // Some of its pieces had no text yet: their requests were cut by the kill.
    expect((left!.pieces ?? []).some((p) => p.text === undefined)).toBe(true);

    const second = start(state, question.path, quiet.path);
    await second.until(answered, 60_000);
    await second.stop();
    const [message] = messagesOf(second);
    expect(message!.file_ids).toHaveLength(1);
    const stretches = stretchesSince(before);
    expect(stretches.length).toBe(left!.pieces!.length);
    expect(message!.text).toBe(stretches.map((s) => s.text).join(' '));
    expect(fake.questions.slice(asks)).toEqual([message!.text]);
    expect(readdirSync(join(state, 'turns'))).toEqual([]);
  }, 150_000);

  it('killed mid-message (the answer streaming): answered from the conversation after the restart, never asked again', async () => {
    const state = join(mkdtempSync(join(dir, 'c-')), 'state');
    const before = fake.transcriptions.length;
    const asks = fake.questions.length;
    const first = start(state, question.path, quiet.path);
    // The first words of the answer have come (the speaking light): the server holds the question.
    await first.until((l) => l.some((x) => x.turn?.event === 'message') && l.some((x) => x.msg === 'indicator speaking'), 60_000);
    await kill(first);
    const [asked] = messagesOf(first);
    expect(turnsOf(first).some((t) => t.event === 'timings')).toBe(false);
    const second = start(state, question.path, quiet.path);
    await second.until(answered, 60_000);
    await second.stop();
    expect(fake.questions.slice(asks)).toEqual([asked!.text]);
    expect(asked!.file_ids).toHaveLength(1);
    const stretches = stretchesSince(before);
    expect(asked!.text).toBe(stretches.map((s) => s.text).join(' '));
    // Found in the conversation and answered from there.
    expect(messagesOf(second)).toEqual([expect.objectContaining({ text: asked!.text, resumed: true })]);
    expect(readdirSync(join(state, 'turns'))).toEqual([]);
  }, 150_000);
});
