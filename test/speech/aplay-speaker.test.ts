import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../../src/audio/wav';
import { MonotonicClock } from '../../src/clock';
import { PlaybackReference } from '../../src/audio/playback-reference';
import { AplaySpeaker } from '../../src/speech/aplay-speaker';
import { PLAYBACK_RATE } from '../../src/speech/aplay-stream';
import { BargeIn } from '../../src/speech/barge-in';
import { EspeakSynth } from '../../src/speech/espeak-synth';
import type { KeywordRole } from '../../src/recognition/command-words';
import type { CommandEvent } from '../../src/recognition/recogniser';
import { fakeEnv } from '../support/fake-bin';

async function* stream(parts: string[], gapMs = 0): AsyncIterable<string> {
  for (const p of parts) {
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    yield p;
  }
}

const clock = new MonotonicClock();
const kw = (word: string, start: number, role = word as KeywordRole): CommandEvent => ({ type: 'keyword', word, role, start, end: start + 0.4, detectedAt: start + 0.6 });

describe('AplaySpeaker (espeak-ng into the fake aplay)', () => {
  it('plays an answer streamed sentence by sentence through one aplay, in order, as one WAV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-spk-'));
    const errors: string[] = [];
    const speaker = new AplaySpeaker({ synth: new EspeakSynth(), clock, env: fakeEnv({ FAKE_APLAY_DIR: dir }), onError: (m) => errors.push(m) });
    const before = performance.now();
    const out = await speaker.speak(stream(['Hello there.', 'It is a red apple.', 'It looks ripe.'], 30));
    expect(out).toEqual({ sentences: 3, firstAudioAt: expect.any(Number) });
    // The first sound went out while the answer was still arriving (three sentences, 30 ms apart).
    expect(out.firstAudioAt!).toBeGreaterThan(before);
    expect(errors).toEqual([]);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const wav = parseWav(readFileSync(join(dir, files[0]!)));
    expect(wav.sampleRate).toBe(PLAYBACK_RATE);
    // Three sentences of espeak-ng at 165 wpm: well over two seconds of sound.
    expect(wav.pcm.length / 2 / PLAYBACK_RATE).toBeGreaterThan(2);
  });

  it('a sentence it cannot synthesise is reported without its words (it may be the console\'s pairing code)', async () => {
    const errors: string[] = [];
    const speaker = new AplaySpeaker({ synth: new EspeakSynth({ voice: 'zz-no-such-voice' }), clock, env: fakeEnv({ FAKE_APLAY_DIR: mkdtempSync(join(tmpdir(), 'snapask-spk-')) }), onError: (m) => errors.push(m) });
    await speaker.speak(stream(['The console code is 4 8 1 5 9 2.']));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^could not synthesise a sentence of 32 characters: /);
    expect(errors[0]).not.toMatch(/4 8 1|console code/);
  });

  it('on a missing playback device: reports once, still consumes the whole answer', async () => {
    const errors: string[] = [];
    const speaker = new AplaySpeaker({ device: 'hw:9', synth: new EspeakSynth(), clock, env: fakeEnv({ FAKE_APLAY_MISSING_DEVICE: 'hw:9' }), onError: (m) => errors.push(m) });
    let consumed = 0;
    const answer = async function* () {
      for (const s of ['One.', 'Two.', 'Three.', 'Four.']) {
        consumed++;
        await new Promise((r) => setTimeout(r, 150));
        yield s;
      }
    };
    const out = await speaker.speak(answer());
    expect(consumed).toBe(4);
    expect(out.sentences).toBe(4);
    expect(out.failed).toMatch(/aplay failed on device hw:9 \(exit 1\): aplay: main:831: audio open error/);
    expect(errors).toEqual([out.failed]);
  });

  it('an answer stream that breaks off plays out what it had, then the speaker no longer counts as playing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-spk-broken-'));
    const speaker = new AplaySpeaker({ synth: new EspeakSynth(), clock, env: fakeEnv({ FAKE_APLAY_DIR: dir }) });
    const broken = async function* () {
      yield 'This is the first sentence of an answer that never ends properly.';
      await new Promise((r) => setTimeout(r, 800)); // its sound has gone to aplay
      throw new Error('stream dropped');
    };
    await expect(speaker.speak(broken())).rejects.toThrow('stream dropped');
    // aplay gets the end of its input and exits (the fake keeps the WAV it played only then).
    const deadline = performance.now() + 3000;
    const playing = () => speaker.playingDuring(clock.now() + 0.5, clock.now() + 1);
    while ((readdirSync(dir).length === 0 || playing()) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(playing()).toBe(false);
    const wav = parseWav(readFileSync(join(dir, readdirSync(dir)[0]!)));
    expect(wav.pcm.length / 2 / PLAYBACK_RATE).toBeGreaterThan(1); // the first sentence, whole
  });

  it('barge-in: "stop" while playing ends playback at once; other keywords heard over the playback are ignored', async () => {
    const speaker = new AplaySpeaker({ synth: new EspeakSynth(), clock, env: fakeEnv({ FAKE_APLAY_SPEEDUP: '1' }) });
    const gate = new BargeIn(speaker);
    const before = clock.now();
    expect(gate.filter([kw('stop', before - 2)])).toEqual([]); // nothing playing: "stop" means nothing
    expect(gate.filter([kw('snapshot', before - 2)])).toHaveLength(1);
    const long = Array.from({ length: 6 }, (_, i) => `This is sentence number ${i + 1} of a long answer.`);
    const speaking = speaker.speak(stream(long));
    await new Promise((r) => setTimeout(r, 1500)); // espeak-ng has produced the sound; the fake aplay plays it in real time
    const now = clock.now();
    expect(speaker.playingDuring(now - 0.5, now)).toBe(true);
    expect(gate.filter([kw('snapshot', now - 0.5), kw('reply', now - 0.4)])).toEqual([]);
    expect(gate.ignored).toBe(2);
    const t0 = performance.now();
    expect(gate.filter([kw('stop', now - 0.4)]).map((e) => e.type === 'keyword' && e.word)).toEqual(['stop']);
    const out = await speaking;
    expect(performance.now() - t0).toBeLessThan(500);
    expect(out).toMatchObject({ sentences: 6, interrupted: true });
    // Afterwards (past the room's tail) keywords count again.
    await new Promise((r) => setTimeout(r, 400));
    const later = clock.now();
    expect(gate.filter([kw('snapshot', later)])).toHaveLength(1);
  }, 20_000);

  it("drops transcript words heard over the playback (the appliance's own voice), keeps the rest", () => {
    const playing = { stop: () => undefined, speak: async () => ({ sentences: 0 }), playingDuring: (from: number, to: number) => from < 12 && to > 10 };
    const gate = new BargeIn(playing);
    const [t] = gate.filter([{ type: 'transcript', text: 'a b c', start: 9, end: 13, words: [{ word: 'a', start: 9, end: 9.3 }, { word: 'b', start: 10.5, end: 11 }, { word: 'c', start: 12.5, end: 13 }] }]);
    expect(t).toMatchObject({ text: 'a c', start: 9, end: 13 });
  });

  it('barge-in acts on the role the recogniser boundary gave: a configured stop word ("halt") stops, other words over the playback do not', () => {
    let stops = 0;
    const playing = { stop: () => void stops++, speak: async () => ({ sentences: 0 }), playingDuring: (from: number, to: number) => from < 12 && to > 10 };
    const heard: string[] = [];
    const gate = new BargeIn(playing, { onStop: () => heard.push('stopped') });
    expect(gate.filter([kw('send', 10.5, 'reply'), kw('photo', 10.6, 'snapshot')])).toEqual([]);
    expect(stops).toBe(0);
    expect(gate.filter([kw('halt', 11, 'stop')]).map((e) => e.type === 'keyword' && e.role)).toEqual(['stop']);
    expect(stops).toBe(1);
    expect(heard).toEqual(['stopped']);
    // Nothing playing: the stop word means nothing, a photo counts.
    expect(gate.filter([kw('halt', 20, 'stop'), kw('photo', 20.5, 'snapshot')]).map((e) => e.type === 'keyword' && e.word)).toEqual(['photo']);
    expect(stops).toBe(1);
  });

  it('with the own-voice filter in front (the echo is cancelled), the user\'s commands over the playback count; "stop" still stops', () => {
    let stops = 0;
    const playing = { stop: () => void stops++, speak: async () => ({ sentences: 0 }), playingDuring: (from: number, to: number) => from < 12 && to > 10 };
    const gate = new BargeIn(playing, { ownVoiceFiltered: true });
    expect(gate.filter([kw('reply', 10.5), kw('snapshot', 10.8)]).map((e) => e.type === 'keyword' && e.role)).toEqual(['reply', 'snapshot']);
    expect(gate.ignored).toBe(0);
    expect(stops).toBe(0);
    expect(gate.filter([kw('stop', 11)]).map((e) => e.type === 'keyword' && e.role)).toEqual(['stop']);
    expect(stops).toBe(1);
    // Words of a question heard over the playback still count for nothing.
    const [t] = gate.filter([{ type: 'transcript', text: 'a b', start: 9, end: 11, words: [{ word: 'a', start: 9, end: 9.3 }, { word: 'b', start: 10.5, end: 11 }] }]);
    expect(t).toMatchObject({ text: 'a' });
  });

  it('records what it hands to aplay, at the microphone rate, for the echo canceller; a stop cuts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-spk-'));
    const echo = new PlaybackReference(0.02);
    // Played in real time: the reference holds only what can have sounded before aplay closed the device.
    const speaker = new AplaySpeaker({ synth: new EspeakSynth(), clock, echo, env: fakeEnv({ FAKE_APLAY_DIR: dir, FAKE_APLAY_SPEEDUP: '1' }) });
    const before = clock.now();
    await speaker.speak(stream(['Hello there.', 'It is a red apple.']));
    const after = clock.now();
    const wav = parseWav(readFileSync(join(dir, readdirSync(dir)[0]!)));
    const seconds = wav.pcm.length / 2 / PLAYBACK_RATE;
    // All of it, in order, starting the latency after it was handed over.
    expect(echo.playedDuring(before, before + 0.02)).toBe(false);
    expect(echo.playedDuring(before + 0.02, after + 0.05)).toBe(true);
    const heard = echo.read(before, new Int16Array(Math.ceil((after - before + seconds + 0.1) * 16000)));
    const sounding = heard.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0) / 16000;
    expect(sounding).toBeGreaterThan(seconds * 0.5);
    expect(sounding).toBeLessThanOrEqual(seconds + 0.01);

    // A stop: nothing after it sounds.
    const playing = speaker.speak(stream(['This answer is cut short by the user saying stop.', 'It never ends.'], 20));
    await new Promise((r) => setTimeout(r, 150));
    const stoppedAt = clock.now();
    speaker.stop();
    await playing;
    expect(echo.playedDuring(stoppedAt + 0.001, stoppedAt + 30)).toBe(false);
  });

  it('a playback that failed leaves no echo to expect (the canceller would suppress the user\'s next question)', async () => {
    const echo = new PlaybackReference(0.02);
    const speaker = new AplaySpeaker({ device: 'hw:9', synth: new EspeakSynth(), clock, echo, env: fakeEnv({ FAKE_APLAY_MISSING_DEVICE: 'hw:9' }), onError: () => undefined });
    const before = clock.now();
    const out = await speaker.speak(stream(['The capital of France is Paris.']));
    expect(out.failed).toMatch(/aplay failed on device hw:9/);
    expect(echo.playedDuring(before, before + 60)).toBe(false);
  });
});
