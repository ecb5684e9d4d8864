import { NOISY_FLOOR_DB } from '../../src/audio/audio-analysis';
import { DetectionPolicy, mergeOverlapping, type Candidate, type HeardAudio } from '../../src/recognition/pocketsphinx-detection-policy';

const F = 160; // samples per 10 ms frame

/** Frame levels (dB) from runs of [frames, level]; the floor, denoising and clipping as given. */
function heard(runs: Array<[number, number]>, o: { floor?: number; denoised?: boolean; clipped?: boolean } = {}): HeardAudio & { frames: number } {
  const levels = runs.flatMap(([n, db]) => Array<number>(n).fill(db));
  return {
    frames: levels.length,
    levelAt: (f) => levels[f],
    noiseFloor: () => o.floor ?? 10,
    noisy: () => (o.floor ?? 10) > NOISY_FLOOR_DB,
    denoised: () => o.denoised ?? false,
    clipped: () => o.clipped ?? false,
  };
}
/** A detection over frames [from, to) (its last frames are its silence phones). */
const det = (from: number, to: number, prob = -1000, keyword = 'reply'): Candidate => ({ keyword, start: from * F, end: to * F, prob });

describe('which detections are command words (levels only, no decoder)', () => {
  // 1 s of quiet, a 0.6 s word at 70 dB, then quiet: the word ends at frame 160.
  const alone = heard([[100, 10], [60, 70], [100, 10]]);

  it('a word with a pause after it counts, ending where the pause begins', () => {
    expect(new DetectionPolicy(alone).judge(det(100, 170), [], alone.frames * F, false)).toEqual({ kind: 'accept', wordEnd: 160 * F, resume: 172 * F });
  });

  it('waits while the frames that decide are not heard, and decides them at the end', () => {
    const p = new DetectionPolicy(alone);
    expect(p.judge(det(100, 170), [], 165 * F, false)).toEqual({ kind: 'wait' });
    expect(p.judge(det(100, 170), [], 165 * F, true).kind).toBe('accept');
  });

  it('speech running on ("replies", "replied to") is no command: kept pending, then dropped after the deciding frames', () => {
    const running = heard([[100, 10], [60, 70], [200, 65]]);
    const p = new DetectionPolicy(running);
    expect(p.judge(det(100, 170), [], 200 * F, false)).toEqual({ kind: 'wait' });
    expect(p.judge(det(100, 170), [], 260 * F, false)).toEqual({ kind: 'no-pause', weak: false });
  });

  it('a gap inside the word (a closure sunk under the noise) is not its end', () => {
    const closure = heard([[100, 10], [30, 70], [14, 10], [20, 70], [100, 10]]);
    const v = new DetectionPolicy(closure).judge(det(100, 174), [], closure.frames * F, false);
    expect(v).toEqual({ kind: 'accept', wordEnd: 164 * F, resume: 176 * F });
  });

  it('a pause is judged against the word\'s own level and the room\'s floor', () => {
    // The "pause" at 45 dB is 25 dB under the word: quiet enough only where the floor is 40 (a noisy room).
    const noisyPause = heard([[100, 40], [60, 70], [100, 45]], { floor: 40 });
    expect(new DetectionPolicy(noisyPause).judge(det(100, 170), [], noisyPause.frames * F, true).kind).toBe('accept');
    const quietRoom = heard([[100, 10], [60, 70], [100, 45]], { floor: 10 });
    expect(new DetectionPolicy(quietRoom).judge(det(100, 170), [], quietRoom.frames * F, true).kind).toBe('no-pause');
  });

  it('a decoy that fits better and reaches into the pause vetoes; one that ends before it does not', () => {
    const p = new DetectionPolicy(alone);
    expect(p.judge(det(100, 170), [det(100, 170, -900)], alone.frames * F, false)).toEqual({ kind: 'decoy' });
    expect(p.judge(det(100, 170), [det(100, 150, -900)], alone.frames * F, false).kind).toBe('accept');
    expect(p.judge(det(100, 170), [det(100, 170, -1100)], alone.frames * F, false).kind).toBe('accept');
    expect(p.judge(det(100, 170), [det(100, 170, -900, 'snapshot')], alone.frames * F, false).kind).toBe('accept');
  });

  it('in a noisy room a decoy must fit much better, and a clipped word is never vetoed', () => {
    const noisy = heard([[100, 10], [60, 70], [100, 10]], { denoised: true });
    const p = new DetectionPolicy(noisy);
    expect(p.roomNoisy(0)).toBe(true);
    expect(p.judge(det(100, 170), [det(100, 170, -900)], noisy.frames * F, true).kind).toBe('accept');
    expect(p.judge(det(100, 170), [det(100, 170, -700)], noisy.frames * F, true)).toEqual({ kind: 'decoy' });
    const clipped = heard([[100, 10], [60, 90], [100, 10]], { clipped: true });
    expect(new DetectionPolicy(clipped).judge(det(100, 170), [det(100, 170, 0)], clipped.frames * F, true).kind).toBe('accept');
  });

  it('a weak fit needs a pause before it and a long enough word', () => {
    const weak = (c: Candidate): Candidate => ({ ...c, minWordSamples: 0.4 * 16000 });
    expect(new DetectionPolicy(alone).judge(weak(det(100, 170)), [], alone.frames * F, true).kind).toBe('accept');
    const short = heard([[100, 10], [30, 70], [100, 10]]);
    expect(new DetectionPolicy(short).judge(weak(det(100, 140)), [], short.frames * F, true)).toEqual({ kind: 'no-pause', weak: true });
    const inSentence = heard([[100, 60], [60, 70], [100, 10]]);
    expect(new DetectionPolicy(inSentence).judge(weak(det(100, 170)), [], inSentence.frames * F, true)).toEqual({ kind: 'no-pause', weak: true });
    expect(new DetectionPolicy(inSentence).judge(det(100, 170), [], inSentence.frames * F, true).kind).toBe('accept');
  });

  it('without the pause rule every detection counts as it is', () => {
    const running = heard([[100, 10], [60, 70], [200, 65]]);
    expect(new DetectionPolicy(running, { requirePause: false }).judge(det(100, 170), [], 120 * F, false)).toEqual({ kind: 'accept', wordEnd: 170 * F, resume: 170 * F });
  });

  it('overlapping detections of a word are one, the best fit kept, weak only if no full fit found it', () => {
    const merged = mergeOverlapping([
      { ...det(105, 170, -1200), minWordSamples: 100 },
      det(100, 168, -1000),
      det(100, 170, -800, 'snapshot'),
      det(300, 360, -500),
    ]);
    expect(merged).toEqual([det(100, 168, -1000), det(100, 170, -800, 'snapshot'), det(300, 360, -500)]);
    const weakOnly = mergeOverlapping([{ ...det(100, 170, -1200), minWordSamples: 100 }, { ...det(101, 170, -1100), minWordSamples: 100 }]);
    expect(weakOnly).toEqual([{ ...det(101, 170, -1100), minWordSamples: 100 }]);
  });
});
