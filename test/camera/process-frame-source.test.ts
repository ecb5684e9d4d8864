import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { rpicamVidArgs, v4l2FfmpegArgs } from '../../src/camera/camera-args';
import { CameraUnavailableError, ProcessFrameSource, type ProcessFrameSourceOptions } from '../../src/camera/process-frame-source';
import { FramecrcTimes } from '../../src/camera/frame-times';
import { PtsFifo } from '../../src/camera/pts-fifo';
import type { CameraEvent } from '../../src/camera/supervised-process';
import { MonotonicClock } from '../../src/clock';
import { fakeEnv, NODE_BIN, REPO_ROOT } from '../support/fake-bin';
import { mjpegFrames } from '../support/jpeg';

const dir = mkdtempSync(join(tmpdir(), 'snapask-pfs-'));
const mjpeg = join(dir, 'cam.mjpeg');
writeFileSync(mjpeg, mjpegFrames(20));
let n = 0;
const fresh = (name: string) => join(dir, `${name}-${n++}`);

type Written = Array<[number, number]>;
const written = (log: string): Written => readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]);
const starts = (file: string): number[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[1]));

function camera(env: Record<string, string>, more: Partial<ProcessFrameSourceOptions> = {}, events: CameraEvent[] = []): ProcessFrameSource {
  return new ProcessFrameSource({
    env: fakeEnv({ FAKE_CAMERA_MJPEG: mjpeg, ...env }),
    command: ['rpicam-vid', 'libcamera-vid'], args: rpicamVidArgs({ width: 160, height: 120, fps: 20 }), fps: 20,
    clock: new MonotonicClock(), ring: { seconds: 10, maxBytes: 1e8 }, pipelineDelay: 0, backoffMs: 100,
    onEvent: (e) => events.push(e), ...more,
  });
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('ProcessFrameSource on a fake rpicam-vid', () => {
  it('buffers real MJPEG frames with their capture time, never later than the camera took them', async () => {
    const log = fresh('frames.log');
    const src = camera({ FAKE_CAMERA_LOG: log });
    await src.start();
    await sleep(700);
    const w = written(log);
    await src.stop();
    expect(w.length).toBeGreaterThanOrEqual(8);
    const truth = new Map(w);
    for (const [i, t] of w.slice(1, -1)) {
      // The frame a word starting at t gets was taken at t or later (never before), and is this one or the next.
      const f = src.frameAt(t)!;
      expect(truth.get(f.index)!).toBeGreaterThanOrEqual(t - 0.005);
      expect([i, i + 1]).toContain(f.index);
      // Its capture time is never later than the camera's own stamp but for the least hold-up of the last second's
      // frames (the estimator's bound: a few ms, up to 9 ms seen with CI's other suites beside it), and at most a
      // frame interval earlier.
      const own = [...src.framesBetween(t - 1, t + 1)].find((x) => x.index === i)!;
      expect(own.t).toBeLessThanOrEqual(t + 0.015);
      expect(own.t).toBeGreaterThan(t - 0.05);
    }
    expect(src.splitter.dropped).toBe(0);
    expect(src.command).toBe('rpicam-vid');
  });

  it('never answers with a frame from before the instant asked for', async () => {
    const src = camera({});
    await src.start();
    const newest = src.frameAt(0)!;
    expect(src.frameAt(newest.t + 10)).toBeUndefined();
    await src.stop();
  });

  it('uses libcamera-vid where the system has only the older name', async () => {
    const env = { ...fakeEnv({ FAKE_CAMERA_MJPEG: mjpeg }), PATH: `${resolve(REPO_ROOT, 'test/bin-legacy')}:${NODE_BIN}:/usr/bin:/bin` };
    const src = camera({}, { env });
    await src.start();
    expect(src.command).toBe('libcamera-vid');
    await src.stop();
  });

  it('reports a camera that is not there with one clear error', async () => {
    await expect(camera({ FAKE_CAMERA_FAIL: '1' }).start()).rejects.toThrow(CameraUnavailableError);
    await expect(camera({ FAKE_CAMERA_FAIL: '1' }).start()).rejects.toThrow(/camera not available: rpicam-vid exited \(1\): ERROR: \*\*\* no cameras available \*\*\*/);
    const env = { ...fakeEnv(), PATH: `${NODE_BIN}:/nonexistent` };
    await expect(camera({}, { env }).start()).rejects.toThrow(/camera not available: rpicam-vid or libcamera-vid is not installed/);
  });

  it('gives up on a camera that starts but never sends a frame, and leaves no process behind', async () => {
    const startsFile = fresh('starts');
    const src = camera({ FAKE_CAMERA_STALL_AFTER: '0', FAKE_CAMERA_STARTS: startsFile }, { startTimeoutMs: 400 });
    await expect(src.start()).rejects.toThrow(/camera not available: no frame from rpicam-vid within 400 ms/);
    const pid = Number(readFileSync(startsFile, 'utf8').split(' ')[0]);
    // It ignored SIGTERM (a camera stuck in its driver): it was killed all the same.
    await until(() => !alive(pid), 4000, 'the silent camera to be killed');
  }, 10_000);

  it('restarts a camera process that exits, and carries on buffering', async () => {
    const startsFile = fresh('starts');
    const events: CameraEvent[] = [];
    const src = camera({ FAKE_CAMERA_EXIT_AFTER: '4', FAKE_CAMERA_FAULT_RUNS: '1', FAKE_CAMERA_STARTS: startsFile }, {}, events);
    await src.start();
    await until(() => events.some((e) => e.type === 'camera-restart'), 3000, 'a restart');
    const before = src.frameAt(0)!.index;
    await sleep(400);
    expect(src.frameAt(0)!.index).toBe(before); // the oldest frames stayed
    const newest = src.frameAt(clockNow() - 0.2)!;
    expect(newest.index).toBeGreaterThan(4);
    await src.stop();
    expect(events.find((e) => e.type === 'camera-exit')!.detail).toMatch(/rpicam-vid exited \(1\): ERROR: \*\*\* camera frontend has timed out! \*\*\*/);
    expect(starts(startsFile)).toHaveLength(2);
  });

  it('backs off more and more from a camera that keeps crashing', async () => {
    const startsFile = fresh('starts');
    const src = camera({ FAKE_CAMERA_EXIT_AFTER: '2', FAKE_CAMERA_STARTS: startsFile }, { backoffMs: 300 });
    await src.start();
    await until(() => starts(startsFile).length >= 4, 8000, 'four starts');
    await src.stop();
    const s = starts(startsFile);
    const gaps = s.slice(1).map((t, i) => t - s[i]!);
    // 300, 600, 1200 ms of backoff on top of the time each run lasts.
    expect(gaps[1]! - gaps[0]!).toBeGreaterThan(0.15);
    expect(gaps[2]! - gaps[1]!).toBeGreaterThan(0.35);
  }, 15_000);

  it('kills and restarts a camera that stops sending frames (stall)', async () => {
    const startsFile = fresh('starts');
    const events: CameraEvent[] = [];
    const src = camera({ FAKE_CAMERA_STALL_AFTER: '5', FAKE_CAMERA_FAULT_RUNS: '1', FAKE_CAMERA_STARTS: startsFile }, { stallMs: 500 }, events);
    await src.start();
    await until(() => starts(startsFile).length === 2, 6000, 'the restart after the stall');
    const stalledPid = Number(readFileSync(startsFile, 'utf8').split(' ')[0]);
    await until(() => src.frameAt(clockNow() - 0.1) !== undefined, 3000, 'fresh frames after the restart');
    await src.stop();
    expect(events.map((e) => e.type)).toEqual(['camera-stall', 'camera-exit', 'camera-restart']);
    expect(events[0]!.detail).toMatch(/no frame from rpicam-vid for \d+ ms/);
    expect(alive(stalledPid)).toBe(false);
  }, 15_000);
});

describe('ProcessFrameSource with the camera\'s own timestamps (rpicam-vid --save-pts into a FIFO)', () => {
  const withPts = (env: Record<string, string>, events: CameraEvent[] = [], more: Partial<ProcessFrameSourceOptions> = {}) => {
    const pts = new PtsFifo();
    return camera(env, { frameTimes: pts, args: rpicamVidArgs({ width: 160, height: 120, fps: 20, pts: pts.path }), ...more }, events);
  };

  it('stamps frames exactly even when the event loop was blocked while they arrived', async () => {
    const log = fresh('frames.log');
    const src = withPts({ FAKE_CAMERA_LOG: log });
    await src.start();
    await sleep(300);
    const block = Date.now() + 180; // a long decode: frames queue in the pipe meanwhile
    while (Date.now() < block);
    await sleep(300);
    await src.stop();
    const truth = new Map(written(log));
    const frames = [...src.framesBetween(0, Infinity)];
    expect(frames.length).toBeGreaterThanOrEqual(12);
    // Exact but for the smallest transport delay of the last second (the anchor), a few ms on a loaded machine;
    // without the camera's times the frames held up by the block would be 180 ms late.
    for (const f of frames.slice(1)) {
      expect(f.t).toBeLessThanOrEqual(truth.get(f.index)! + 0.015);
      expect(f.t).toBeGreaterThanOrEqual(truth.get(f.index)!);
    }
    expect(src.stampedBy).toEqual({ sensor: frames.length, arrival: 0 });
  });

  it('keeps using them across a restart', async () => {
    const events: CameraEvent[] = [];
    const src = withPts({ FAKE_CAMERA_EXIT_AFTER: '4', FAKE_CAMERA_FAULT_RUNS: '1', FAKE_CAMERA_STARTS: fresh('starts') }, events);
    await src.start();
    await until(() => events.some((e) => e.type === 'camera-restart'), 3000, 'a restart');
    await sleep(400);
    await src.stop();
    expect(src.stampedBy.arrival).toBe(0);
    expect(src.stampedBy.sensor).toBeGreaterThan(6);
  });

  it('leaves nothing behind (FIFO, directory, open handle) when the camera is not there', async () => {
    const pts = new PtsFifo();
    const src = camera({ FAKE_CAMERA_FAIL: '1' }, { frameTimes: pts, args: rpicamVidArgs({ width: 160, height: 120, fps: 20, pts: pts.path }) });
    await expect(src.start()).rejects.toThrow(/no cameras available/);
    expect(existsSync(dirname(pts.path))).toBe(false);
  });

  it('falls back to arrival times for a camera that does not write them', async () => {
    const src = withPts({}, [], { args: rpicamVidArgs({ width: 160, height: 120, fps: 20 }), startTimeoutMs: 3000 });
    await src.start();
    await sleep(600);
    await src.stop();
    expect(src.stampedBy.sensor).toBe(0);
    expect(src.stampedBy.arrival).toBeGreaterThan(5);
  });
});

describe('ProcessFrameSource on a USB webcam (fake ffmpeg reading V4L2)', () => {
  const v4l2Env = (extra: Record<string, string> = {}) => {
    const env = fakeEnv({ FAKE_CAMERA_MJPEG: mjpeg, ...extra });
    return { ...env, PATH: `${resolve(REPO_ROOT, 'test/bin-v4l2')}:${env.PATH}` };
  };

  it('streams the webcam\'s own MJPEG, untouched', async () => {
    const device = fresh('video0');
    writeFileSync(device, '');
    const log = fresh('frames.log');
    const src = camera({}, { command: 'ffmpeg', args: v4l2FfmpegArgs({ width: 160, height: 120, fps: 20, device }), env: v4l2Env({ FAKE_CAMERA_LOG: log }) });
    await src.start();
    await sleep(300);
    await src.stop();
    const frames = readFileSync(mjpeg);
    const first = src.frameAt(0)!;
    expect(frames.includes(first.jpeg)).toBe(true);
    expect(written(log).length).toBeGreaterThanOrEqual(src.bufferedFrames);
  });

  it('times frames by the kernel\'s capture timestamps that ffmpeg passes on (framecrc on fd 3)', async () => {
    const device = fresh('video0');
    writeFileSync(device, '');
    const log = fresh('frames.log');
    const src = camera({}, {
      command: 'ffmpeg', args: v4l2FfmpegArgs({ width: 160, height: 120, fps: 20, device, times: 'pipe:3' }), frameTimes: new FramecrcTimes(),
      env: v4l2Env({ FAKE_CAMERA_LOG: log }),
    });
    await src.start();
    await sleep(300);
    const block = Date.now() + 180;
    while (Date.now() < block);
    await sleep(300);
    await src.stop();
    const truth = new Map(written(log));
    const frames = [...src.framesBetween(0, Infinity)];
    for (const f of frames.slice(1)) {
      expect(f.t).toBeLessThanOrEqual(truth.get(f.index)! + 0.015);
      expect(f.t).toBeGreaterThanOrEqual(truth.get(f.index)!);
    }
    expect(src.stampedBy).toEqual({ sensor: frames.length, arrival: 0 });
  });

  it('says which device is missing', async () => {
    const src = camera({}, { command: 'ffmpeg', args: v4l2FfmpegArgs({ width: 160, height: 120, fps: 20, device: '/dev/video9' }), env: v4l2Env() });
    await expect(src.start()).rejects.toThrow(/camera not available: ffmpeg exited \(1\): \/dev\/video9: No such file or directory/);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function clockNow(): number {
  return new MonotonicClock().now();
}
