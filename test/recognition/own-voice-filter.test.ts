import { PlaybackReference } from '../../src/audio/playback-reference';
import { CleanedRecogniser } from '../../src/recognition/cleaned-recogniser';
import { createEngine } from '../../src/recognition/create-recogniser';
import { OwnVoiceFilter } from '../../src/recognition/own-voice-filter';
import type { KeywordEvent, RecognitionEvent } from '../../src/recognition/recogniser';
import { RoomEcho } from '../../src/recognition/room-echo';
import { RULES } from '../support/recognise';
import { echoGainFor, throughNonLinearRoom } from '../support/room';
import { synthesise, toChunks } from '../support/speech';

/** `n` samples of a constant `amp` (energy amp^2 n). */
const frame = (amp: number, n = 320): Int16Array => new Int16Array(n).fill(amp);

describe('OwnVoiceFilter', () => {
  const word: KeywordEvent = { type: 'keyword', word: 'snapshot', start: 3.0, end: 3.5, detectedAt: 3.6 };
  /**
   * 4 s of playback in 20 ms frames: the microphone hears it 20 dB down (the room), plus the user at `user`
   * from 3.0 to 3.5 s; the canceller leaves `left` of the echo (a fraction of its amplitude).
   */
  const judge = (user: number, left: number, leftInWord = left) => {
    const f = new OwnVoiceFilter(new RoomEcho(new PlaybackReference(0)));
    for (let k = 0; k < 200; k++) {
      const t = k * 0.02;
      const echo = 1000;
      const speaking = t >= 3.0 && t < 3.5;
      const mic = frame(speaking ? Math.round(Math.hypot(echo, user)) : echo);
      const cancelled = frame(speaking ? Math.round(Math.hypot(echo * leftInWord, user)) : Math.round(echo * left));
      f.note(t, 0.02, mic, cancelled, frame(10_000));
    }
    return f;
  };

  it('drops a word the canceller took away, and one it did not but the room\'s echo explains', () => {
    expect(judge(0, 0.1).filter([word])).toEqual([]);
    // A canceller still converging (a new answer) leaves the echo as it was: the room's loudness tells.
    expect(judge(0, 1).filter([word])).toEqual([]);
  });

  it('keeps the user\'s word 12 dB over the echo, converged or not, and every other event', () => {
    const user = Math.round(1000 * 10 ** (12 / 20));
    expect(judge(user, 0.1).filter([word])).toEqual([word]);
    expect(judge(user, 1).filter([word])).toEqual([word]);
    const transcript: RecognitionEvent = { type: 'transcript', text: 'snapshot', words: [], start: 3, end: 3.5 };
    expect(judge(0, 0.1).filter([transcript])).toEqual([transcript]);
  });

  it('keeps a word said as loud as the echo once the canceller has converged, not before (the room cannot tell it then)', () => {
    expect(judge(1000, 0.1).filter([word])).toEqual([word]);
    expect(judge(1000, 1).filter([word])).toEqual([]);
  });

  it('drops the device\'s word a converged canceller took a little less than 6 dB out of (the room\'s echo explains it)', () => {
    expect(judge(0, 0.1, 0.52).filter([word])).toEqual([]);
  });

  it('keeps the user\'s word when the room returns nothing of the playback (a muted speaker: silence between their words)', () => {
    const f = new OwnVoiceFilter(new RoomEcho(new PlaybackReference(0)));
    for (let k = 0; k < 200; k++) {
      const t = k * 0.02;
      // The user speaks from 2.5 to 3.5 s, a quarter of the playback; the microphone hears nothing else.
      const mic = frame(t >= 2.5 && t < 3.5 ? 3000 : 0);
      f.note(t, 0.02, mic, mic, frame(10_000));
    }
    expect(f.filter([word])).toEqual([word]);
  });

  it('keeps a word said when nothing played', () => {
    expect(judge(0, 0.1).filter([{ ...word, start: 5, end: 5.5 }])).toHaveLength(1);
  });

  it('the learned detector hears no command in answers that say them, through a clipping speaker on a drifting clock', async () => {
    // Two answers by two of the device's voices, the second heard after the first (the canceller keeps its filter).
    const texts = ['if the label is blurred take another snapshot from closer', 'I would stop watering it for a week', 'when you have finished your question just say reply'];
    const first = await synthesise(texts.map((text) => ({ text })), { engine: 'flite', voice: 'slt' });
    const second = await synthesise([...texts].reverse().map((text) => ({ text })), { engine: 'espeak-ng', voice: 'en-us' });
    const reference = new PlaybackReference(0.03);
    const cleaner = new CleanedRecogniser(createEngine({ engine: 'learned' }, RULES, { transcribe: false }), { echo: reference });
    const path = { clipAt: 0.4, driftPpm: 100 };
    const gap = Buffer.alloc(32000);
    const mic = Buffer.concat([throughNonLinearRoom(first.pcm, path, first.duration + 1, echoGainFor(first.pcm, 0)), throughNonLinearRoom(second.pcm, path, undefined, echoGainFor(second.pcm, 0)), gap]);
    const handed = [first.pcm, second.pcm].flatMap((pcm, a) =>
      Array.from({ length: Math.ceil(pcm.length / 3200) }, (_, k) => ({ t: (a ? first.duration + 1 : 0) + k * 0.1, pcm: pcm.subarray(k * 3200, (k + 1) * 3200) })),
    );
    const events: KeywordEvent[] = [];
    for (const c of toChunks(mic)) {
      while (handed.length && handed[0]!.t <= c.t + 0.1) reference.append(handed[0]!.pcm, handed.shift()!.t);
      for (const e of cleaner.accept(c)) if (e.type === 'keyword') events.push(e);
    }
    cleaner.close();
    expect(events).toEqual([]);
    // It was the filter: the detector heard the device's own words in the canceller's residue.
    expect(cleaner.ownVoice!.dropped).toBeGreaterThan(0);
  }, 60_000);
});
