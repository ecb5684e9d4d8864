import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArecordSource } from '../../src/audio/arecord-source';
import type { AudioChunk } from '../../src/audio/audio-source';
import { encodeWav } from '../../src/audio/wav';
import { MonotonicClock } from '../../src/clock';
import { fakeEnv } from '../support/fake-bin';

const dir = mkdtempSync(join(tmpdir(), 'snapask-arecord-'));
const wav = join(dir, 'tone.wav');
writeFileSync(wav, encodeWav(Buffer.alloc(16000 * 2 * 2, 1), 16000));

/** Collects chunks until `until` says enough, then stops the source. */
async function collect(src: ArecordSource, until: (chunks: AudioChunk[]) => boolean, timeoutMs = 15000): Promise<AudioChunk[]> {
  const chunks: AudioChunk[] = [];
  const timer = setTimeout(() => src.stop(), timeoutMs);
  for await (const c of src) {
    chunks.push(c);
    if (until(chunks)) src.stop();
  }
  clearTimeout(timer);
  return chunks;
}

describe('ArecordSource (fake arecord on PATH)', () => {
  it('reports an unplugged microphone once, keeps trying with backoff, and streams again when it returns', async () => {
    const unplugged = join(dir, 'unplugged');
    writeFileSync(unplugged, '');
    const events: string[] = [];
    const src = new ArecordSource({
      clock: new MonotonicClock(),
      env: fakeEnv({ FAKE_ARECORD_WAV: wav, FAKE_ARECORD_FAIL_WHILE: unplugged }),
      reopenMs: 50,
      reopenMaxMs: 200,
      onLost: (why) => events.push(`lost: ${why}`),
      onBack: () => events.push('back'),
    });
    // Plugged back in after a second of failed attempts.
    setTimeout(() => rmSync(unplugged), 1000);
    const chunks = await collect(src, (c) => c.length >= 5);
    expect(existsSync(unplugged)).toBe(false);
    expect(events).toEqual(['lost: microphone stopped: arecord exited: arecord: main:831: audio open error: No such file or directory', 'back']);
    expect(chunks.length).toBeGreaterThanOrEqual(5);
    expect(chunks.every((c) => c.pcm.length > 0)).toBe(true);
  }, 20_000);

  it('reopens a microphone lost mid-capture; the outage is a gap in the chunk times, not a shift', async () => {
    const events: string[] = [];
    const src = new ArecordSource({
      clock: new MonotonicClock(),
      env: fakeEnv({ FAKE_ARECORD_WAV: wav, FAKE_ARECORD_LOSE_AFTER: '0.5' }),
      reopenMs: 300,
      onLost: (why) => events.push(`lost: ${why}`),
      onBack: () => events.push('back'),
    });
    const chunks = await collect(src, (c) => c.length >= 8);
    expect(events.slice(0, 2)).toEqual(['lost: microphone stopped: arecord exited: arecord: pcm_read:2221: read error: No such device', 'back']);
    // Within one capture, chunk times follow the sample count; across the outage they jump by at least the wait.
    const gaps = chunks.slice(1).map((c, i) => c.t - (chunks[i]!.t + chunks[i]!.pcm.length / 2 / 16000));
    expect(gaps.filter((g) => g > 0.25)).toHaveLength(1);
    expect(gaps.filter((g) => g <= 0.25).every((g) => Math.abs(g) < 1e-6)).toBe(true);
  }, 20_000);

  it('stops at once while waiting to reopen', async () => {
    const src = new ArecordSource({ clock: new MonotonicClock(), env: fakeEnv({ FAKE_ARECORD_FAIL: '1', FAKE_ARECORD_WAV: wav }), reopenMs: 60_000 });
    setTimeout(() => src.stop(), 300);
    const t0 = performance.now();
    expect(await collect(src, () => false)).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('with reopen off (a recording, a benchmark), ends when arecord ends, and reports why', async () => {
    const lost: string[] = [];
    const src = new ArecordSource({ clock: new MonotonicClock(), env: fakeEnv({ FAKE_ARECORD_WAV: wav, FAKE_ARECORD_EXIT_AT_END: '1' }), reopen: false, onLost: (why) => lost.push(why) });
    const timer = setTimeout(() => src.stop(), 20_000);
    const chunks: AudioChunk[] = [];
    for await (const c of src) chunks.push(c);
    clearTimeout(timer);
    const samples = chunks.reduce((n, c) => n + c.pcm.length / 2, 0);
    expect(samples).toBe(16000 * 2);
    expect(lost).toHaveLength(1);
  }, 30_000);
});
