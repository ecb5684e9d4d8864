import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../../src/audio/wav';
import { MjpegSplitter } from '../../src/camera/mjpeg-splitter';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { runCli, type CliResult } from '../support/cli';
import { jpegSize, mjpegFrames } from '../support/jpeg';
import { synthesise, type SynthesisedSpeech } from '../support/speech';

const FPS = 15;
const dir = mkdtempSync(join(tmpdir(), 'snapask-e2e-'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(['responses', 'assistants'] as const)('one spoken question with a snapshot, end to end (replay on the test double, %s)', (api) => {
  let fake: FakeOpenAI;
  let speech: SynthesisedSpeech;
  let frames: Buffer[];
  let run: CliResult;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    speech = await synthesise(
      [{ silence: 0.5 }, { text: 'what is on the table' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.3 }, { text: 'and how many apples are there' }, { silence: 0.8 }, { text: 'reply' }, { silence: 1.5 }],
      { engine: 'flite', voice: 'slt' },
    );
    writeFileSync(join(dir, 'q.wav'), speech.wav);
    const mjpeg = mjpegFrames(Math.ceil(speech.duration * FPS) + 1, '320x240', FPS);
    writeFileSync(join(dir, 'c.mjpeg'), mjpeg);
    frames = new MjpegSplitter().push(mjpeg);
    run = await runCli(['replay', '--audio', join(dir, 'q.wav'), '--camera', join(dir, 'c.mjpeg'), '--fps', String(FPS), '--api-base', fake.url, '--api', api, '--json', '--out', dir], {
      // A hook configured (never reached here): the Zapier function is offered only then.
      ZAPIER_HOOK_URL: 'http://127.0.0.1:9/hooks/catch/1/e2e',
    });
  }, 120_000);

  afterAll(() => fake?.close());

  const of = (name: string) => run.events.filter((e) => e.event === name);

  it('exits 0 with no error events and no schema violations', () => {
    expect(run.stderr).toBe('');
    expect(of('error')).toEqual([]);
    expect(run.code).toBe(0);
    expect(fake.violations).toEqual([]);
  });

  it('takes exactly one snapshot, of the frame captured while the word was spoken', () => {
    const truth = speech.words.find((w) => w.text === 'snapshot')!;
    const kws = of('keyword').filter((e) => e.word === 'snapshot');
    expect(kws).toHaveLength(1);
    const snaps = of('snapshot');
    expect(snaps).toHaveLength(1);
    const snap = snaps[0] as { frame_index: number; frame_time: number; sha256: string; bytes: number };
    expect(snap.frame_time).toBeGreaterThanOrEqual(truth.start - 0.5 / FPS);
    expect(snap.frame_time).toBeLessThanOrEqual(truth.end);
    expect(snap.frame_time).toBeCloseTo(snap.frame_index / FPS, 3); // printed to the millisecond
    // The bytes are that frame of the camera file, untouched.
    expect(snap.sha256).toBe(sha(frames[snap.frame_index]!));
    expect(snap.bytes).toBe(frames[snap.frame_index]!.length);
  });

  it('uploads the snapshot with purpose vision and references its file id in the message', () => {
    const snap = of('snapshot')[0] as { sha256: string };
    const uploads = of('upload') as Array<{ file_id: string; sha256: string }>;
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.sha256).toBe(snap.sha256);
    const stored = fake.files.get(uploads[0]!.file_id);
    expect(stored).toBeDefined();
    expect(stored!.purpose).toBe('vision');
    expect(sha(stored!.bytes)).toBe(snap.sha256);

    const message = of('message')[0] as { text: string; file_ids: string[] };
    expect(message.file_ids).toEqual([uploads[0]!.file_id]);
    if (api === 'assistants') {
      const sent = fake.requests.find((r) => r.operation === 'POST /threads/{thread_id}/messages')!;
      const content = (sent.body as { content: Array<{ type: string; text?: string; image_file?: { file_id: string } }> }).content;
      expect(content[0]).toMatchObject({ type: 'text', text: message.text });
      expect(content.filter((c) => c.type === 'image_file').map((c) => c.image_file!.file_id)).toEqual([uploads[0]!.file_id]);
    } else {
      // One request carries the question: text and the picture by file id, on the device's conversation.
      const sent = fake.requests.filter((r) => r.operation === 'POST /responses');
      expect(sent).toHaveLength(1);
      const body = sent[0]!.body as { conversation: string; stream: boolean; input: Array<{ role: string; content: Array<{ type: string; text?: string; file_id?: string; detail?: string }> }> };
      expect(body.conversation).toMatch(/^conv_/);
      expect(body.stream).toBe(true);
      expect(body.input).toHaveLength(1);
      expect(body.input[0]!.role).toBe('user');
      expect(body.input[0]!.content[0]).toEqual({ type: 'input_text', text: message.text });
      expect(body.input[0]!.content.slice(1)).toEqual([{ type: 'input_image', file_id: uploads[0]!.file_id, detail: 'high' }]);
    }
  });

  it('sends the question without the command words', () => {
    const { text } = of('message')[0] as { text: string };
    expect(text).not.toMatch(/snapshot|reply/i);
    const said = 'what is on the table and how many apples are there'.split(' ');
    const heard = text.toLowerCase().split(/\s+/);
    const overlap = said.filter((w) => heard.includes(w)).length / said.length;
    expect(overlap).toBeGreaterThanOrEqual(0.5);
  });

  it('never offers a vision function; the zapier function is the only tool', () => {
    expect(fake.toolsSeen).toEqual(['zapier']);
  });

  it('speaks the streamed answer, which describes the uploaded picture', () => {
    const snap = of('snapshot')[0] as { sha256: string };
    const reply = of('reply')[0] as { text: string };
    expect(reply.text).toContain(snap.sha256);
    expect(reply.text).toContain('320x240');
    const spoken = of('spoken')[0] as { wav: string; sentences: number };
    expect(existsSync(spoken.wav)).toBe(true);
    const wav = parseWav(readFileSync(spoken.wav));
    const seconds = wav.pcm.length / 2 / wav.sampleRate;
    expect(seconds).toBeGreaterThan(2);
    expect(spoken.sentences).toBeGreaterThanOrEqual(2);
  });

  it('reports events in the order they happened on the audio clock', () => {
    const names = run.events.map((e) => e.event);
    expect(names.indexOf('snapshot')).toBeLessThan(names.indexOf('message'));
    expect(names.indexOf('upload')).toBeLessThan(names.indexOf('message'));
    expect(names.indexOf('message')).toBeLessThan(names.indexOf('reply'));
    const kws = of('keyword') as Array<{ word: string; start: number; end: number; detected_at: number }>;
    for (const k of kws) {
      expect(k.end).toBeGreaterThan(k.start);
      expect(k.detected_at).toBeGreaterThanOrEqual(k.end);
    }
  });

  it('accepts one still JPEG as every frame', async () => {
    const still = join(dir, 'still.jpg');
    writeFileSync(still, frames[3]!);
    const r = await runCli(['replay', '--audio', join(dir, 'q.wav'), '--camera', still, '--api-base', fake.url, '--api', api, '--json', '--out', dir], {
      // A hook configured (never reached here): the Zapier function is offered only then.
      ZAPIER_HOOK_URL: 'http://127.0.0.1:9/hooks/catch/1/e2e',
    });
    expect(r.code).toBe(0);
    const snap = r.events.find((e) => e.event === 'snapshot') as { sha256: string };
    expect(snap.sha256).toBe(sha(frames[3]!));
    expect(jpegSize(frames[3]!)).toEqual({ width: 320, height: 240 });
  }, 120_000);
});
