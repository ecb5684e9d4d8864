import { CaptureTimeEstimator } from '../../src/camera/capture-time';

/** A camera at 15 fps whose frames reach us late by a pipeline delay plus a hold-up that varies. */
function arrivals(n: number, holdUp: (i: number) => number, drop: (i: number) => boolean = () => false) {
  const period = 1 / 15;
  const out: Array<{ shutter: number; arrival: number }> = [];
  for (let i = 0; i < n; i++) {
    if (drop(i)) continue;
    const shutter = 100 + i * period;
    out.push({ shutter, arrival: shutter + 0.04 + holdUp(i) });
  }
  return out;
}

describe('CaptureTimeEstimator', () => {
  it('takes out the hold-ups of late frames: capture times within 1 ms of the shutter, never later', () => {
    const est = new CaptureTimeEstimator({ period: 1 / 15, pipelineDelay: 0.04 });
    // Up to 45 ms of hold-up (a busy event loop), none on every 7th frame.
    const frames = arrivals(150, (i) => (i % 7 === 0 ? 0 : ((i * 37) % 45) / 1000));
    const errors = frames.map((f) => est.stamp(f.arrival) - f.shutter);
    for (const e of errors.slice(7)) {
      expect(e).toBeLessThanOrEqual(1e-9);
      expect(e).toBeGreaterThan(-0.001);
    }
  });

  it('after a dropped frame it is never late: at most one interval early, and exact again within its window', () => {
    const est = new CaptureTimeEstimator({ period: 1 / 15, pipelineDelay: 0.04 });
    const frames = arrivals(100, (i) => (i % 5 === 0 ? 0 : 0.01), (i) => i === 30 || i === 60 || i === 61);
    const errors = frames.map((f) => ({ shutter: f.shutter, e: est.stamp(f.arrival) - f.shutter }));
    for (const { e } of errors) {
      expect(e).toBeLessThanOrEqual(1e-9);
      expect(e).toBeGreaterThan(-2 / 15 - 0.001);
    }
    // A second after the last drop (the window), the estimates are exact again.
    for (const { e } of errors.filter((x) => x.shutter > 100 + 62 / 15 + 1.01)) expect(Math.abs(e)).toBeLessThan(0.0011);
  });

  it('places frames exactly on the camera\'s own timestamps, drops and hold-ups and all', () => {
    const est = new CaptureTimeEstimator({ period: 1 / 15, pipelineDelay: 0.04 });
    const frames = arrivals(100, (i) => (i % 5 === 0 ? 0 : ((i * 53) % 120) / 1000), (i) => i % 11 === 3 || i === 50 || i === 51);
    const errors = frames.map((f) => est.stamp(f.arrival, f.shutter - 100 + 5)).map((t, i) => t - frames[i]!.shutter);
    for (const e of errors.slice(10)) expect(Math.abs(e)).toBeLessThan(1e-6);
  });

  it('stamps a burst after a long hold-up (frames queued in the pipe) no later than each was taken', () => {
    const est = new CaptureTimeEstimator({ period: 1 / 15, pipelineDelay: 0.04 });
    // Frames 20-24 are held up until frame 25 arrives: they all arrive together, up to 330 ms late.
    const frames = arrivals(60, (i) => (i >= 20 && i < 25 ? (25 - i) / 15 : 0));
    for (const f of frames) expect(est.stamp(f.arrival) - f.shutter).toBeLessThanOrEqual(1e-9);
  });

  it('is never later than arrival minus the pipeline delay, even for the first frame', () => {
    const est = new CaptureTimeEstimator({ period: 1 / 15, pipelineDelay: 0.05 });
    expect(est.stamp(10)).toBeCloseTo(9.95, 9);
  });

  it('forgets a restarted camera\'s grid', () => {
    const est = new CaptureTimeEstimator({ period: 1 / 15, pipelineDelay: 0 });
    for (let i = 0; i < 30; i++) est.stamp(i / 15);
    est.reset();
    // The new process's first frame lands 0.31 s later: off the old grid, and placed where it arrived.
    expect(est.stamp(30 / 15 + 0.31)).toBeCloseTo(2.31, 9);
    expect(est.stamp(31 / 15 + 0.31)).toBeCloseTo(2.31 + 1 / 15, 9);
  });
});
