import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_RATE } from '../../src/audio/audio-source';
import { PlaybackReference } from '../../src/audio/playback-reference';
import { resamplePcm } from '../../src/audio/resample';
import { parseWav } from '../../src/audio/wav';
import { MonotonicClock } from '../../src/clock';
import { createLogger } from '../../src/log';
import { LogIndicator } from '../../src/indicator/indicator';
import { AplaySpeaker } from '../../src/speech/aplay-speaker';
import { PLAYBACK_RATE } from '../../src/speech/aplay-stream';
import { CueIndicator, loadCues } from '../../src/speech/cues';
import { EspeakSynth } from '../../src/speech/espeak-synth';
import { fakeEnv } from '../support/fake-bin';

const clock = new MonotonicClock();
const cues = loadCues();

/** An answer whose next sentence comes when the test says so. */
function answer(sentences: string[]): { stream: AsyncIterable<string>; next: () => void } {
  const gates = sentences.map(() => {
    let open!: () => void;
    return { opened: new Promise<void>((r) => (open = r)), open };
  });
  let i = 0;
  return {
    stream: (async function* () {
      for (const [n, s] of sentences.entries()) {
        await gates[n]!.opened;
        yield s;
      }
    })(),
    next: () => gates[i++]?.open(),
  };
}

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !what(); ) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The fake aplay's record of sound reaching the device: one line per aplay that got sound. */
const firstAudios = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('first-audio')).length : 0);

function setUp(extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'snapask-player-'));
  const log = join(dir, 'aplay.log');
  const errors: string[] = [];
  const echo = new PlaybackReference(0.02);
  // The fake aplay holds the device as a plain hw: device does: a second aplay opening it fails as busy.
  const speaker = new AplaySpeaker({ synth: new EspeakSynth(), clock, echo, env: fakeEnv({ FAKE_APLAY_DIR: join(dir, 'played'), FAKE_APLAY_LOG: log, ...extra }), onError: (m) => errors.push(m) });
  const indicator = new CueIndicator(new LogIndicator(createLogger({ level: 'silent' })), cues, speaker.player, (m) => errors.push(m));
  const played = () => (existsSync(join(dir, 'played')) ? readdirSync(join(dir, 'played')).sort().map((f) => readFileSync(join(dir, 'played', f))) : []);
  return { log, errors, echo, speaker, indicator, played };
}

describe('Player: every sound through one aplay at a time', () => {
  it('a cue asked while an answer speaks sounds after the sentence playing, in the same aplay (a second one would find the device busy)', async () => {
    // Played in real time: the reference holds only what can have sounded before aplay closed the device.
    const { log, errors, echo, speaker, indicator, played } = setUp({ FAKE_APLAY_SPEEDUP: '1' });
    const first = 'The first sentence of the answer is playing now.';
    const a = answer([first, 'And here is the second one.']);
    const before = clock.now();
    const speaking = speaker.speak(a.stream);
    a.next();
    await until(() => firstAudios(log) === 1); // the first sentence is on the device
    indicator.set('snapshot');
    await new Promise((r) => setTimeout(r, 300)); // time enough for a second aplay to have tried (and failed, before)
    a.next();
    const out = await speaking;
    expect(out).toEqual({ sentences: 2, firstAudioAt: expect.any(Number) });
    expect(errors).toEqual([]);
    // One stream: the first sentence, the click, then the second sentence.
    const files = played();
    expect(files).toHaveLength(1);
    const pcm = parseWav(files[0]!).pcm;
    const click = parseWav(cues.click).pcm;
    const s1 = await new EspeakSynth().synthesise(first);
    const firstBytes = resamplePcm(s1.pcm, s1.rate, PLAYBACK_RATE).length;
    expect(pcm.indexOf(click)).toBe(firstBytes);
    expect(pcm.length).toBeGreaterThan(firstBytes + click.length + PLAYBACK_RATE); // a second sentence after it
    // The echo canceller was told of the click too: the reference holds it, at the microphone's rate, where it sounds.
    const reference = echo.read(before, new Int16Array(Math.ceil((clock.now() - before + 10) * SAMPLE_RATE)));
    const click16k = resamplePcm(click, PLAYBACK_RATE, SAMPLE_RATE);
    const middle = (click16k.length >> 2) * 2;
    const at = Buffer.from(reference.buffer).indexOf(click16k.subarray(middle, middle + 100));
    expect(at).toBeGreaterThan(0);
  });

  it('a cue asked while quiet, or while an answer waits for its first sentence, plays at once, in its own aplay; the answer follows', async () => {
    const { errors, speaker, indicator, played } = setUp();
    const a = answer(['Microphone off.']);
    const speaking = speaker.speak(a.stream); // queued first: waiting for the model
    indicator.play('ready');
    await until(() => played().length === 1);
    a.next();
    await speaking;
    const files = played();
    expect(files).toHaveLength(2);
    expect(files[0]!.equals(cues.ready)).toBe(true);
    expect(parseWav(files[1]!).pcm.length / 2 / PLAYBACK_RATE).toBeGreaterThan(0.3);
    expect(errors).toEqual([]);
  });

  it('voices play in the order asked, each whole, one aplay at a time', async () => {
    const { errors, speaker, played } = setUp();
    const a = answer(['One.', 'Two.', 'Three.']);
    const b = answer(['The announcement after the answer.']);
    const speakingA = speaker.speak(a.stream);
    const speakingB = speaker.speak(b.stream);
    b.next(); // ready before the answer has finished: it waits all the same
    a.next();
    await new Promise((r) => setTimeout(r, 200));
    a.next();
    a.next();
    await Promise.all([speakingA, speakingB]);
    const files = played();
    expect(files).toHaveLength(2);
    const seconds = files.map((w) => parseWav(w).pcm.length / 2 / PLAYBACK_RATE);
    const announcement = await new EspeakSynth().synthesise('The announcement after the answer.');
    expect(seconds[1]).toBeCloseTo(announcement.pcm.length / 2 / announcement.rate, 2);
    expect(errors).toEqual([]);
  });

  it('"stop" silences everything at once: the voice speaking, the voices and cues waiting; what comes after plays', async () => {
    const { log, errors, echo, speaker, indicator, played } = setUp();
    const a = answer(['This answer is cut short by the user saying stop.', 'It never ends.']);
    const b = answer(['Queued behind it.']);
    const speakingA = speaker.speak(a.stream);
    const speakingB = speaker.speak(b.stream);
    a.next();
    b.next();
    await until(() => firstAudios(log) === 1);
    const stoppedAt = clock.now();
    const t0 = performance.now();
    speaker.stop();
    indicator.set('error'); // asked after the stop: plays
    a.next();
    expect(await speakingA).toMatchObject({ sentences: 2, interrupted: true });
    expect(await speakingB).toMatchObject({ sentences: 1, interrupted: true });
    expect(performance.now() - t0).toBeLessThan(2000);
    await until(() => played().length === 1);
    // The killed aplay kept nothing; the error tone after the stop played.
    expect(played()[0]!.equals(cues.error)).toBe(true);
    const tone = parseWav(cues.error).pcm.length / 2 / PLAYBACK_RATE;
    expect(echo.playedDuring(stoppedAt + 0.001, stoppedAt + 0.02)).toBe(false);
    expect(echo.playedDuring(stoppedAt, clock.now() + tone + 0.1)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('the barge-in gate hears the voice, not the cues (words said over a click are the user\'s); the echo reference has both', async () => {
    const { errors, echo, speaker, indicator } = setUp({ FAKE_APLAY_SPEEDUP: '1' });
    const before = clock.now();
    indicator.set('thinking'); // the chime, about half a second, played in real time
    await new Promise((r) => setTimeout(r, 200));
    const now = clock.now();
    expect(echo.playedDuring(before, now)).toBe(true);
    expect(speaker.playingDuring(before, now)).toBe(false);
    const a = answer(['Hello.']);
    const speaking = speaker.speak(a.stream);
    a.next();
    await speaking;
    expect(speaker.playingDuring(now, clock.now())).toBe(true);
    expect(errors).toEqual([]);
  });

  it('the echo reference ends when aplay closes the device: a device that took the sound faster than it plays leaves no echo to expect after it', async () => {
    // The fake aplay takes the sound 20 times faster than it lasts: the reference must not go on for the rest.
    const { errors, echo, speaker } = setUp();
    const before = clock.now();
    const a = answer(['The device says a long sentence here, for some seconds, and then it closes.']);
    a.next();
    await speaker.speak(a.stream);
    const closed = clock.now();
    expect(echo.playedDuring(before, closed)).toBe(true);
    // The latency (0.02 s) after the close may still sound; nothing after it.
    expect(echo.playedDuring(closed + 0.03, closed + 60)).toBe(false);
    expect(errors).toEqual([]);
  });
});
