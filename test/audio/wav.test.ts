import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavFileSource } from '../../src/audio/wav-file-source';
import { encodeWav, parseWav, WavFormatError } from '../../src/audio/wav';
import { VirtualClock } from '../../src/clock';

const dir = mkdtempSync(join(tmpdir(), 'snapask-wav-'));

function soxTone(name: string, args: string[]): string {
  const path = join(dir, name);
  execFileSync('sox', ['-n', ...args, path, 'synth', '1.05', 'sine', '440']);
  return path;
}

describe('WAV files', () => {
  it('reads what sox writes and round-trips through encodeWav', () => {
    const path = soxTone('tone.wav', ['-r', '16000', '-c', '1', '-b', '16']);
    const info = parseWav(require('node:fs').readFileSync(path));
    expect(info).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect(info.pcm.length).toBe(16800 * 2);
    const again = parseWav(encodeWav(info.pcm, 16000));
    expect(again.pcm.equals(info.pcm)).toBe(true);
  });

  it('replays at the file clock: chunk times follow the sample count and advance the virtual clock', async () => {
    const path = soxTone('tone2.wav', ['-r', '16000', '-c', '1', '-b', '16']);
    const clock = new VirtualClock();
    const src = await WavFileSource.open(path, { clock, chunkSeconds: 0.1, t0: 2 });
    const times: number[] = [];
    let samples = 0;
    for await (const c of src) {
      times.push(c.t);
      samples += c.pcm.length / 2;
    }
    expect(samples).toBe(16800);
    expect(times).toHaveLength(11);
    expect(times[10]).toBeCloseTo(3.0, 6);
    expect(clock.now()).toBeCloseTo(3.05, 6);
  });

  it('paces chunks like a microphone in real-time mode: each arrives once it has been captured', async () => {
    const path = join(dir, 'half.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', path, 'trim', '0', '0.5']);
    const src = await WavFileSource.open(path, { pace: 'realtime', chunkSeconds: 0.1 });
    const started = performance.now();
    const lateness: number[] = [];
    for await (const c of src) lateness.push(performance.now() - started - (c.t + 0.1) * 1000);
    expect(lateness).toHaveLength(5);
    // Never before the chunk's end was "captured" (Node timers may fire up to a few ms early).
    for (const l of lateness) expect(l).toBeGreaterThanOrEqual(-5);
  });

  it('refuses a WAV at the wrong rate, naming the file and how to convert it', async () => {
    const path = soxTone('tone44.wav', ['-r', '44100', '-c', '2', '-b', '16']);
    await expect(WavFileSource.open(path)).rejects.toThrow(/tone44\.wav is 44100 Hz 2-channel; 16000 Hz mono expected/);
  });

  it('names a missing file and a file that is not a WAV', async () => {
    await expect(WavFileSource.open(join(dir, 'nope.wav'))).rejects.toThrow(/cannot read audio file .*nope\.wav: ENOENT/);
    const junk = join(dir, 'junk.wav');
    writeFileSync(junk, 'hello, not audio');
    await expect(WavFileSource.open(junk)).rejects.toThrow(WavFormatError);
    await expect(WavFileSource.open(junk)).rejects.toThrow(/junk\.wav is not a RIFF\/WAVE file/);
  });
});
