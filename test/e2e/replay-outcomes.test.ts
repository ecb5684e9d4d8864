import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { encodeWav, parseWav } from '../../src/audio/wav';
import { runCli } from '../support/cli';
import { mjpegFrames } from '../support/jpeg';
import { synthesise } from '../support/speech';

/**
 * How a replay ends and what it prints, beyond the answer itself: the exit
 * code, the last `error` line, times to the millisecond, the state it writes,
 * a camera file shorter than the audio.
 */
const FPS = 15;
const dir = mkdtempSync(join(tmpdir(), 'snapask-outcomes-'));
const wav = join(dir, 'q.wav');
const twoSnapshots = join(dir, 'q2.wav');
const camera = join(dir, 'c.mjpeg');

describe('how a replay ends', () => {
  let fake: FakeOpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    const speech = await synthesise(
      [{ silence: 0.5 }, { text: 'what is on the table' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.3 }, { text: 'and how many apples are there' }, { silence: 0.8 }, { text: 'reply' }, { silence: 1.5 }],
      { engine: 'flite', voice: 'slt' },
    );
    writeFileSync(wav, speech.wav);
    writeFileSync(camera, mjpegFrames(Math.ceil(speech.duration * FPS) + 1, '160x120', FPS));
    const two = await synthesise(
      [{ silence: 0.5 }, { text: 'what is this' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.6 }, { text: 'and this' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.9 }, { text: 'reply' }, { silence: 1.5 }],
      { engine: 'flite', voice: 'slt' },
    );
    writeFileSync(twoSnapshots, two.wav);
  }, 120_000);

  afterAll(() => fake?.close());

  const replay = (args: string[], env: Record<string, string> = {}) => runCli(['replay', '--api-base', fake.url, ...args], env);

  it('exits 0 when the answer arrived and no camera was given: no picture is no error then', async () => {
    const r = await replay(['--audio', wav, '--json']);
    expect(r.events.filter((e) => e.event === 'error')).toEqual([]);
    expect(r.events.filter((e) => e.event === 'reply')).toHaveLength(1);
    expect(r.code).toBe(0);
  });

  it.each([true, false])('a server that never answers ends with an error line, then exit 1 (json: %s)', async (asJson) => {
    const format = asJson ? ['--json'] : [];
    fake.inject({ operation: 'POST /responses', stallMidStream: true, afterEvents: 0 });
    // The stream watchdog at 1.5 s instead of 30 s: the replay holds the question and ends.
    const r = await replay(['--audio', wav, ...format], { SNAPASK_OPENAI_STREAM_IDLE_MS: '1500' });
    expect(r.code).toBe(1);
    const last = r.stdout.trim().split('\n').pop()!;
    if (asJson) {
      expect(JSON.parse(last)).toMatchObject({ event: 'error', stage: 'replay', message: expect.stringMatching(/not answered: .*stalled/) });
    } else {
      expect(last).toMatch(/^error +stage="replay" message=".*not answered: .*stalled/);
    }
  }, 60_000);

  it('warns of a clipping microphone, as the device does (the same appliance: clip monitoring and barge-in)', async () => {
    const { pcm, sampleRate } = parseWav(readFileSync(wav), 'the question');
    // Gain far too high: the speech flattened at full scale, then quiet to fill the monitor's 10 s window.
    const loud = Buffer.alloc(pcm.length + sampleRate * 2 * 6);
    for (let i = 0; i < pcm.length / 2; i++) loud.writeInt16LE(Math.max(-32768, Math.min(32767, pcm.readInt16LE(i * 2) * 40)), i * 2);
    const clipped = join(dir, 'clipped.wav');
    writeFileSync(clipped, encodeWav(loud, sampleRate));
    const r = await replay(['--audio', clipped, '--json']);
    expect(r.stderr).toMatch(/microphone input is clipping \(\d+\.\d % of samples at full scale\): lower the capture gain/);
    const quiet = await replay(['--audio', wav, '--json']);
    expect(quiet.stderr).not.toMatch(/clipping/);
  });

  it('prints times rounded to the millisecond, in text and in JSON', async () => {
    const tooFine = /\d\.\d{4,}/; // e.g. 1.9799999999999998
    const text = await replay(['--audio', wav, '--camera', camera]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^keyword +word="snapshot" role="snapshot" start=\d/m);
    expect(text.stdout).not.toMatch(tooFine);
    const json = await replay(['--audio', wav, '--camera', camera, '--json']);
    const numbers = json.events.flatMap((e) => Object.values(e).flat().filter((v): v is number => typeof v === 'number'));
    expect(numbers.length).toBeGreaterThan(4);
    for (const n of numbers) expect(Math.round(n * 1000) / 1000).toBe(n);
  });

  it("never writes into the config's stateDir; --state names the one it may use", async () => {
    const live = join(dir, 'live-state');
    mkdirSync(live);
    writeFileSync(join(dir, 'device.json'), JSON.stringify({ stateDir: live }));
    const r = await replay(['--audio', wav, '--camera', camera, '--json', '--config', join(dir, 'device.json')]);
    expect(r.code).toBe(0);
    expect(readdirSync(live)).toEqual([]);
    const kept = join(dir, 'kept-state');
    const k = await replay(['--audio', wav, '--camera', camera, '--json', '--config', join(dir, 'device.json'), '--state', kept]);
    expect(k.code).toBe(0);
    expect(existsSync(kept) && readdirSync(kept).length).toBeGreaterThan(0);
    expect(readdirSync(live)).toEqual([]);
  });

  it('a camera file that ends before the word gives no frame from before it, and says so once', async () => {
    // 10 frames at 15 fps: the recording ends at 0.6 s, both "snapshot"s come after it.
    const short = join(dir, 'short.mjpeg');
    writeFileSync(short, mjpegFrames(10, '160x120', FPS));
    const r = await replay(['--audio', twoSnapshots, '--camera', short, '--fps', String(FPS), '--json']);
    const words = r.events.filter((e) => e.event === 'keyword' && e.word === 'snapshot') as Array<{ start: number }>;
    expect(words).toHaveLength(2);
    expect(r.events.filter((e) => e.event === 'snapshot')).toEqual([]);
    expect(r.events.filter((e) => e.event === 'snapshot-failed')).toHaveLength(2);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('snapask: warning:'));
    expect(warnings).toEqual([expect.stringContaining(`camera file ${short} ends at 0.600 s`)]);
    // The camera was asked for and gave nothing: the replay failed, and its last line says why.
    expect(r.code).toBe(1);
    expect(r.events.at(-1)).toMatchObject({ event: 'error', stage: 'replay', message: expect.stringMatching(/snapshot got no picture/) });
  });
});
