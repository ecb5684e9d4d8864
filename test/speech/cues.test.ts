import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../../src/audio/wav';
import { createLogger } from '../../src/log';
import { LogIndicator } from '../../src/indicator/indicator';
import { MonotonicClock } from '../../src/clock';
import { CueIndicator, defaultCueDir, loadCues } from '../../src/speech/cues';
import { Player } from '../../src/speech/player';
import { fakeEnv } from '../support/fake-bin';

describe('cues', () => {
  it('ships four short WAVs made by assets/cues/make-cues.sh', () => {
    const cues = loadCues();
    for (const [name, max] of [['click', 0.05], ['chime', 0.6], ['error', 0.8], ['ready', 0.6]] as const) {
      const wav = parseWav(cues[name]);
      const seconds = wav.pcm.length / 2 / wav.sampleRate;
      expect(seconds).toBeGreaterThan(0.005);
      expect(seconds).toBeLessThan(max);
      let peak = 0;
      for (let i = 0; i < wav.pcm.length; i += 2) peak = Math.max(peak, Math.abs(wav.pcm.readInt16LE(i)));
      expect(peak).toBeGreaterThan(3000); // audible
    }
  });

  it('names the missing file and the script that makes it', () => {
    expect(() => loadCues('/nonexistent')).toThrow('cue sound missing: /nonexistent/click.wav (ENOENT); run assets/cues/make-cues.sh');
    expect(defaultCueDir()).toMatch(/assets\/cues$/);
  });

  it('plays the click on a snapshot, the chime when the question goes, the low tone on an error, nothing otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-cues-'));
    const cues = loadCues();
    const errors: string[] = [];
    const player = new Player({ clock: new MonotonicClock(), env: fakeEnv({ FAKE_APLAY_DIR: dir }) });
    const ind = new CueIndicator(new LogIndicator(createLogger({ level: 'silent' })), cues, player, (m) => errors.push(m));
    for (const s of ['listening', 'snapshot', 'listening', 'thinking', 'speaking', 'error'] as const) {
      ind.set(s);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Each cue is an aplay of its own (nothing else plays): on a loaded machine the last one may start late (seen:
    // not yet written 250 ms after the error), so wait for the three it should have played, or give up after 10 s.
    for (const deadline = Date.now() + 10_000; readdirSync(dir).length < 3 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    const played = readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)));
    expect(played.map((w) => (['click', 'chime', 'error'] as const).find((n) => cues[n].equals(w)))).toEqual(['click', 'chime', 'error']);
    expect(errors).toEqual([]);
  });

  it('plays the ready cue when asked (the service does once it listens), whatever the state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-cues-'));
    const cues = loadCues();
    const player = new Player({ clock: new MonotonicClock(), env: fakeEnv({ FAKE_APLAY_DIR: dir }) });
    const ind = new CueIndicator(new LogIndicator(createLogger({ level: 'silent' })), cues, player, () => undefined);
    ind.play('ready');
    for (const deadline = Date.now() + 10_000; readdirSync(dir).length < 1 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(dir).map((f) => readFileSync(join(dir, f)).equals(cues.ready))).toEqual([true]);
  });
});
