import { spawnSync } from 'node:child_process';
import OpenAI, { toFile } from 'openai';
import { encodeWav } from '../../src/audio/wav';
import { startFakeOpenAI, type FakeOpenAI } from './server';
import { wordsFor } from './transcription';

const RATE = 16000;
const OP = 'POST /audio/transcriptions';

/** Speech-like test audio: a tone whose pitch moves with `seed`, so each stretch differs. */
function tones(seconds: number, seed: number): Buffer {
  const n = Math.round(seconds * RATE);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) out.writeInt16LE(Math.round(5000 * Math.sin((2 * Math.PI * (200 + seed * 37 + (i / RATE) * 90) * i) / RATE)), i * 2);
  return out;
}

function flac(pcm: Buffer): Buffer {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 's16le', '-ar', String(RATE), '-ac', '1', '-i', 'pipe:0', '-f', 'flac', 'pipe:1'], { input: pcm, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr.toString()}`);
  return r.stdout;
}

describe('fake OpenAI: transcription', () => {
  let fake: FakeOpenAI;
  const client = () => new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
  const transcribe = async (bytes: Buffer, name: string, c = client(), timeout?: number) =>
    (await c.audio.transcriptions.create({ file: await toFile(bytes, name), model: 'gpt-4o-transcribe', response_format: 'json' }, timeout ? { timeout } : {})).text;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ transcriptionLimits: { maxBytes: 200_000, maxSeconds: 8 } });
  });
  afterAll(() => fake.close());
  afterEach(() => {
    expect(fake.violations).toEqual([]);
    for (const k of Object.keys(fake.latencyMs)) delete fake.latencyMs[k];
  });

  it('answers words derived from the audio: FLAC and WAV of the same samples alike, one word per 0.25 s, none for silence', async () => {
    const a = tones(1, 1);
    const b = tones(1, 2);
    const pcm = Buffer.concat([a, Buffer.alloc(RATE), b]);
    const fromWav = await transcribe(encodeWav(pcm, RATE), 'q.wav');
    const fromFlac = await transcribe(flac(pcm), 'q.flac');
    expect(fromFlac).toBe(fromWav);
    // 1 s of tone, 1 s of silence, 1 s of another tone: 4 + 0 + 4 words, and the two tones' words differ.
    const words = fromWav.split(' ');
    expect(words).toHaveLength(8);
    expect(words.slice(0, 4).join(' ')).toBe(wordsFor(a));
    expect(words.slice(4).join(' ')).toBe(wordsFor(b));
    expect(wordsFor(a)).not.toBe(wordsFor(b));
    // A stretch sent twice is heard twice: the transcript of the pieces is the pieces' words in order.
    expect(await transcribe(flac(Buffer.concat([a, a])), 'twice.flac')).toBe(`${wordsFor(a)} ${wordsFor(a)}`);
    const last = fake.transcriptions.at(-1)!;
    expect(last).toMatchObject({ filename: 'twice.flac', model: 'gpt-4o-transcribe', seconds: 2 });
    expect(last.pcm.equals(Buffer.concat([a, a]))).toBe(true);
  });

  it('checks each request against the API description', async () => {
    const form = new FormData();
    form.append('file', new Blob([encodeWav(tones(0.5, 3), RATE)]), 'q.wav');
    form.append('modle', 'gpt-4o-transcribe');
    const res = await fetch(`${fake.url}/audio/transcriptions`, { method: 'POST', headers: { authorization: 'Bearer test' }, body: form });
    expect(res.status).toBe(400);
    expect(fake.violations.splice(0)).toEqual([expect.stringMatching(/POST \/audio\/transcriptions: .*(model|modle)/)]);
  });

  it('refuses what the real API refuses: too short, an unreadable file, a file too big, audio too long', async () => {
    await expect(transcribe(encodeWav(tones(0.05, 4), RATE), 'short.wav')).rejects.toMatchObject({ status: 400, code: 'audio_too_short' });
    await expect(transcribe(Buffer.from('not audio at all, just text'), 'q.flac')).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/Invalid file format/) });
    await expect(transcribe(encodeWav(tones(0.5, 4), RATE), 'q.txt')).rejects.toMatchObject({ status: 400 });
    await expect(transcribe(encodeWav(tones(7, 4), RATE), 'big.wav')).rejects.toMatchObject({ status: 413 });
    await expect(transcribe(flac(Buffer.alloc(RATE * 2 * 9)), 'long.flac')).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/longer than 8 seconds/) });
  });

  it('takes the latency set per operation on every request, and an injected delay on top', async () => {
    fake.latencyMs[OP] = 300;
    const wav = encodeWav(tones(0.5, 5), RATE);
    let t0 = performance.now();
    await transcribe(wav, 'q.wav');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    fake.inject({ operation: OP, delayMs: 200 });
    t0 = performance.now();
    await transcribe(wav, 'q.wav');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(490);
  });

  it('injects the failures a transcription can meet', async () => {
    const wav = encodeWav(tones(0.5, 6), RATE);
    for (const status of [400, 401, 403, 500, 503]) {
      fake.inject({ operation: OP, status });
      await expect(transcribe(wav, 'q.wav')).rejects.toMatchObject({ status });
    }
    fake.inject({ operation: OP, status: 429, headers: { 'retry-after': '0.2' } });
    const retrying = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 1 });
    const before = fake.requests.length;
    expect(await transcribe(wav, 'q.wav', retrying)).toBe(wordsFor(tones(0.5, 6)));
    const tries = fake.requests.slice(before);
    expect(tries).toHaveLength(2);
    expect(tries[1]!.receivedAt - tries[0]!.receivedAt).toBeGreaterThanOrEqual(0.19);
    // An empty transcript, a reset before the answer, an answer that never comes.
    fake.inject({ operation: OP, text: '' });
    expect(await transcribe(wav, 'q.wav')).toBe('');
    fake.inject({ operation: OP, resetMidStream: true });
    await expect(transcribe(wav, 'q.wav')).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    expect(fake.transcriptions.at(-1)!.cut).toBe(true);
    fake.inject({ operation: OP, stallMidStream: true });
    // The SDK aborts a multipart request at its timeout as a connection error (not its timeout subclass).
    const t0 = performance.now();
    await expect(transcribe(wav, 'q.wav', client(), 500)).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
