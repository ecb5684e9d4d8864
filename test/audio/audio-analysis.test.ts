import {
  AudioAnalysis,
  FLOOR_MIN_FRAMES,
  FLOOR_WINDOW_FRAMES,
  FRAME_SAMPLES,
  NOISY_FLOOR_DB,
  SPEECH_MIN_DB,
  analysisOf,
  speechThreshold,
} from '../../src/audio/audio-analysis';
import { SAMPLE_RATE } from '../../src/audio/audio-source';

/** A square wave of amplitude `amp`: every sample +-amp, so its level is exactly 20 log10(amp) dB. */
function square(frames: number, amp: number): Buffer {
  const b = Buffer.alloc(frames * FRAME_SAMPLES * 2);
  for (let i = 0; i < frames * FRAME_SAMPLES; i++) b.writeInt16LE(i % 20 < 10 ? amp : -amp, i * 2);
  return b;
}

/** Runs of [frames, amplitude] as one stream, fed in chunks of `chunk` samples (not whole frames). */
function analyse(runs: Array<[number, number]>, chunk = 333, t0 = 0): AudioAnalysis {
  const pcm = Buffer.concat(runs.map(([n, amp]) => square(n, amp)));
  const a = new AudioAnalysis();
  for (let off = 0; off < pcm.length; off += chunk * 2) a.push({ pcm: pcm.subarray(off, off + chunk * 2), t: t0 + off / 2 / SAMPLE_RATE });
  return a;
}

const dB = (amp: number): number => 20 * Math.log10(amp);

describe('AudioAnalysis: frames to levels, floor, speech, a noisy room', () => {
  it('measures each 10 ms frame across chunk boundaries, digital silence at -30 dB', () => {
    const a = analyse([[3, 0], [2, 100], [1, 1000]]);
    expect(a.count).toBe(6);
    const levels = [0, 1, 2, 3, 4, 5].map((f) => a.levelAt(f)!);
    [-30, -30, -30, dB(100), dB(100), dB(1000)].forEach((want, f) => expect(levels[f]).toBeCloseTo(want, 3));
    expect(a.levelAt(6)).toBeUndefined(); // not complete
    expect(a.startOf(3)).toBeCloseTo(0.03, 9);
  });

  it('knows no floor for the first half second; speech then needs only the absolute level', () => {
    const a = analyse([[50, 10], [10, 100], [60, 10]]);
    expect(a.floorAt(FLOOR_MIN_FRAMES - 1)).toBe(-Infinity);
    // 40 dB (amplitude 100) is over SPEECH_MIN_DB before the floor is known; 20 dB is not.
    expect(a.speechAt(55)).toBe(true);
    expect(a.speechAt(20)).toBe(false);
    expect(a.floorAt(FLOOR_MIN_FRAMES)).toBeCloseTo(dB(10), 3);
    expect(speechThreshold(-Infinity)).toBe(SPEECH_MIN_DB);
  });

  // Table: a room, then a level heard in it -> the floor before it and whether it is speech.
  const rooms: Array<{ room: number; heard: number; floor: number; speech: boolean; noisy: boolean }> = [
    { room: 10, heard: 100, floor: dB(10), speech: true, noisy: false }, // quiet room, 40 dB voice: over the 30 dB minimum
    { room: 10, heard: 25, floor: dB(10), speech: false, noisy: false }, // 28 dB: under the minimum though 8 over the floor
    { room: 300, heard: 1000, floor: dB(300), speech: false, noisy: true }, // 49.5 dB room: 60 dB is only 10.5 over it
    { room: 300, heard: 1500, floor: dB(300), speech: true, noisy: true }, // 63.5 dB: 14 over it
    { room: 90, heard: 1000, floor: dB(90), speech: true, noisy: false }, // 39 dB floor: under NOISY_FLOOR_DB
  ];
  it.each(rooms)('room at amplitude $room, frame at $heard', ({ room, heard, floor, speech, noisy }) => {
    const a = analyse([[200, room], [5, heard]]);
    expect(a.floorAt(200)).toBeCloseTo(floor, 3);
    expect(a.speechAt(202)).toBe(speech);
    expect(a.noisyAt(202)).toBe(noisy);
    expect(a.noisy).toBe(noisy);
    expect(NOISY_FLOOR_DB).toBe(40);
  });

  it('the floor is the low quantile of the last five seconds: speech over most of them does not lift it, a new room does', () => {
    // 2 s of a quiet room, then talk over it (a few quiet frames between words): the floor stays the room's.
    const talk: Array<[number, number]> = [];
    for (let i = 0; i < 40; i++) talk.push([20, 2000], [2, 10]);
    const a = analyse([[200, 10], ...talk]);
    expect(a.floor).toBeCloseTo(dB(10), 3);
    // A fan starts: after the window has slid past the quiet room, the fan is the floor.
    const b = analyse([[200, 10], [FLOOR_WINDOW_FRAMES + 10, 400]]);
    expect(b.floor).toBeCloseTo(dB(400), 3);
    expect(b.noisy).toBe(true);
    // Halfway through, 5 % of the window is still the quiet room.
    const c = analyse([[200, 10], [FLOOR_WINDOW_FRAMES - 200 - 10, 400]]);
    expect(c.floor).toBeCloseTo(dB(10), 3);
  });

  it('finds the frame heard at a time, across a gap in the chunks\' clock', () => {
    const a = new AudioAnalysis();
    a.push({ pcm: square(10, 100), t: 5 });
    a.push({ pcm: square(10, 1000), t: 20 });
    expect(a.frameAt(5.0)).toBe(0);
    expect(a.frameAt(5.095)).toBe(9);
    expect(a.frameAt(20.015)).toBe(11);
    expect(a.frameAt(4.9)).toBeUndefined();
    expect(a.frameAt(20.2)).toBeUndefined();
  });

  it('hands a chunk\'s analysis on: who comes after reads it, nobody measures again', () => {
    const a = new AudioAnalysis();
    const chunk = { pcm: square(3, 100), t: 0 };
    const heard = { ...chunk, analysis: a.push(chunk) };
    const mine = new AudioAnalysis();
    expect(analysisOf(heard, () => mine)).toEqual({ of: a, from: 0, to: 3 });
    expect(mine.count).toBe(0);
    expect(analysisOf(chunk, () => mine).of).toBe(mine);
    expect(mine.count).toBe(3);
  });
});

describe('AudioAnalysis: frication', () => {
  const tone = (hz: number, amp: number, seconds = 0.2): Buffer => {
    const n = Math.round(seconds * SAMPLE_RATE);
    const b = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(amp * Math.sin((2 * Math.PI * hz * i) / SAMPLE_RATE)), i * 2);
    return b;
  };
  const marked = (pcm: Buffer): number => {
    const a = new AudioAnalysis();
    a.push({ pcm, t: 0 });
    let n = 0;
    for (let i = 0; i < a.count; i++) if (a.fricativeAt(i)) n++;
    return n;
  };

  it('marks hiss and high tones, not voiced (low) sound or silence', () => {
    let seed = 7;
    const hiss = Buffer.alloc(3200 * 2);
    for (let i = 0; i < 3200; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      hiss.writeInt16LE(((seed >>> 16) % 4000) - 2000, i * 2);
    }
    expect(marked(hiss)).toBe(20);
    expect(marked(tone(5000, 3000))).toBe(20);
    expect(marked(tone(150, 3000))).toBe(0);
    // A vowel-like mix: strong low harmonics with a little high energy on top.
    const vowel = tone(150, 8000);
    const high = tone(4000, 300);
    for (let i = 0; i < vowel.length; i += 2) vowel.writeInt16LE(vowel.readInt16LE(i) + high.readInt16LE(i), i);
    expect(marked(vowel)).toBe(0);
    expect(marked(Buffer.alloc(3200))).toBe(0);
  });

  it('keeps frames across chunk boundaries, and none not yet complete', () => {
    const a = new AudioAnalysis();
    const t = tone(5000, 3000, 0.3);
    for (let off = 0; off < t.length; off += 222) a.push({ pcm: t.subarray(off, off + 222), t: off / 2 / SAMPLE_RATE });
    expect(a.count).toBe(30);
    expect(a.fricativeAt(29)).toBe(true);
    expect(a.fricativeAt(30)).toBe(false);
  });
});

describe('AudioAnalysis: peaks, clipping and the room\'s range', () => {
  it('keeps each frame\'s loudest sample and its samples at full scale', () => {
    const a = analyse([[2, 1000], [1, 32767]]);
    expect([a.peakAt(0), a.peakAt(2)]).toEqual([1000, 32767]);
    expect([a.clippedAt(1), a.clippedAt(2)]).toEqual([0, FRAME_SAMPLES]);
  });

  it('says how far the loud frames stand over the floor, once the floor is known', () => {
    expect(analyse([[10, 10]]).range).toBe(Infinity);
    const talk: Array<[number, number]> = [[100, 100]];
    for (let i = 0; i < 10; i++) talk.push([20, 1000], [20, 100]);
    expect(analyse(talk).range).toBeCloseTo(20, 3);
  });
});
