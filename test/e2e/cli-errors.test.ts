import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { runCli } from '../support/cli';
import { mjpegFrames } from '../support/jpeg';

const dir = mkdtempSync(join(tmpdir(), 'snapask-cli-'));
const wav = join(dir, 'silence.wav');
const cam = join(dir, 'cam.mjpeg');
writeFileSync(wav, encodeWav(Buffer.alloc(16000 * 2), 16000));
writeFileSync(cam, mjpegFrames(3));

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One line naming the thing, a non-zero exit, no stack trace. */
function expectOneLineError(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const e = JSON.parse(lines[0]!) as { event: string; message: string };
  expect(e.event).toBe('error');
  expect(e.message).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('snapask replay on bad input', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it('a missing file is named by the option that gave it, checked before anything starts', async () => {
    for (const option of ['--audio', '--camera', '--config']) {
      const missing = join(dir, `missing${option}.file`);
      const args = { '--audio': wav, '--camera': cam, '--config': undefined, [option]: missing };
      const given = Object.entries(args).flatMap(([o, v]) => (v ? [o, v] : []));
      const r = await runCli(['replay', ...given, '--api-base', fake.url, '--json']);
      expectOneLineError(r, new RegExp(`^${option}: no such file: ${escape(missing)}$`));
      expect(r.stdout).not.toMatch(/ENOENT/);
      // Without --json: one line on stderr, the same words.
      const text = await runCli(['replay', ...given, '--api-base', fake.url]);
      expect(text.stderr).toBe(`snapask: ${option}: no such file: ${missing}\n`);
    }
  });

  it('an API base that is not a URL says so and what to give', async () => {
    const r = await runCli(['replay', '--audio', wav, '--api-base', 'not-a-url', '--json']);
    expectOneLineError(r, /^--api-base: "not-a-url" is not a URL \(give e\.g\. http:\/\/127\.0\.0\.1:8787\/v1\)$/);
    const text = await runCli(['replay', '--audio', wav, '--api-base', 'not-a-url']);
    expect(text.stderr).toBe('snapask: --api-base: "not-a-url" is not a URL (give e.g. http://127.0.0.1:8787/v1)\n');
  });

  it('an unreadable WAV', async () => {
    const bad = join(dir, 'text.wav');
    writeFileSync(bad, 'this is text');
    const r = await runCli(['replay', '--audio', bad, '--api-base', fake.url, '--json']);
    expectOneLineError(r, /audio file .*text\.wav is not a RIFF\/WAVE file/);
  });

  it('a camera file that is not JPEG', async () => {
    const bad = join(dir, 'cam.png');
    writeFileSync(bad, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    const r = await runCli(['replay', '--audio', wav, '--camera', bad, '--api-base', fake.url, '--json']);
    expectOneLineError(r, /camera file .*cam\.png is not JPEG or MJPEG/);
  });

  it('an unreachable API base', async () => {
    const r = await runCli(['replay', '--audio', wav, '--camera', cam, '--api-base', 'http://127.0.0.1:9/v1', '--json']);
    expectOneLineError(r, /cannot reach the OpenAI API at http:\/\/127\.0\.0\.1:9\/v1 \(ECONNREFUSED\)/);
  });

  it('a missing model directory, for either engine', async () => {
    for (const engine of ['pocketsphinx', 'vosk']) {
      const r = await runCli(['replay', '--audio', wav, '--engine', engine, '--model', join(dir, 'no-model'), '--api-base', fake.url, '--json']);
      expectOneLineError(r, /no-model/);
      expect(r.stderr).toBe(''); // the library's own log lines stay quiet too
    }
  });

  it('shows the stack trace only with --debug', async () => {
    const bad = join(dir, 'text.wav');
    writeFileSync(bad, 'this is text');
    const r = await runCli(['replay', '--audio', bad, '--api-base', fake.url, '--debug']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^snapask: audio file .*text\.wav is not a RIFF\/WAVE file/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('a usage mistake gets the usage and exit 2', async () => {
    const r = await runCli(['replay', '--fps', '15']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/replay needs --audio/);
  });
});
