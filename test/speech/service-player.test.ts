import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../../src/audio/wav';
import { loadCues } from '../../src/speech/cues';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { fakeServiceEnv } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { startService } from '../support/service-process';
import { CuedPerson } from '../support/speaker-in-room';
import { synthesise } from '../support/speech';

interface LogLine {
  msg: string;
  turn?: TurnEvent;
  indicator?: string;
}

/**
 * The running service on a speaker that takes one stream at a time (the fake aplay holds the device as a plain
 * hw: device does): the answer plays in real time, the user says "snapshot" over it, and the click sounds
 * between the answer's sentences in the answer's own aplay. Before the one player, the click opened a second
 * aplay beside the answer's and the device said "busy": the click was lost (and with dmix, talked over the answer).
 */
describe('snapask run: cues and the voice on one speaker', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => (fake = await startFakeOpenAI()));
  afterAll(() => fake.close());

  it('a snapshot said while the answer plays: its click is played with the answer, nothing is refused as busy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-svc-player-'));
    const voice = { engine: 'flite' as const, voice: 'kal' };
    // A long question: the test double's answer repeats it, so the answer plays for several seconds.
    const question = await synthesise([{ silence: 0.5 }, { text: 'please tell me about everything you can see on the table in front of me now' }, { silence: 0.9 }, { text: 'reply' }, { silence: 1.0 }], voice);
    const snap = await synthesise([{ silence: 0.3 }, { text: 'snapshot' }, { silence: 1.5 }], voice);
    // The learned engine: what this test checks is the player, and over playback PocketSphinx misses about one
    // word in sixteen here (the fake room has no echo path; recall over playback is the bench's to judge).
    const person = new CuedPerson(dir, [question.wav, snap.wav]);
    writeServiceConfig(dir, { apiBase: fake.url, frames: 45, size: '320x240', fps: 15, config: { tts: { engine: 'espeak' }, recogniser: { engine: 'learned' } } });
    const env = fakeServiceEnv({
      ...person.env,
      FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'),
      FAKE_APLAY_DIR: join(dir, 'played'),
      FAKE_ALSA_LOCKS: join(dir, 'locks'),
      // The speaker takes as long as the sound lasts: "snapshot" is said while the answer still plays.
      FAKE_APLAY_SPEEDUP: '1',
    });
    const svc = startService<LogLine>(join(dir, 'config.json'), env);
    try {
      await svc.until((l) => l.some((x) => x.msg === 'listening'), 60_000);
      person.next();
      await svc.until((l) => l.some((x) => x.indicator === 'speaking'), 30_000);
      // The answer (about seven seconds of it) has begun; the question's chime (half a second) is over.
      await new Promise((r) => setTimeout(r, 1000));
      person.next();
      await svc.until((l) => l.some((x) => x.turn?.event === 'snapshot'), 30_000);
      await svc.until((l) => l.some((x) => x.turn?.event === 'spoken'), 30_000);
    } finally {
      await svc.stop();
    }
    // Nothing was refused: no cue lost, no answer that could not play.
    expect(svc.lines.filter((l) => /not played|aplay failed/.test(l.msg) || /busy/.test(JSON.stringify(l)))).toEqual([]);
    // The click is inside the answer's stream, after some of the answer and before the rest of it.
    const click = parseWav(loadCues().click).pcm;
    const played = readdirSync(join(dir, 'played')).sort().map((f) => parseWav(readFileSync(join(dir, 'played', f))).pcm);
    const withAnswer = played.filter((pcm) => pcm.length > click.length * 20 && pcm.indexOf(click) > 0);
    expect(withAnswer).toHaveLength(1);
    expect(withAnswer[0]!.indexOf(click) + click.length).toBeLessThan(withAnswer[0]!.length);
    expect(fake.violations).toEqual([]);
  }, 150_000);
});
