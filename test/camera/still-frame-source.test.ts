import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StillFrameSource, type StillFrameSourceOptions } from '../../src/camera/still-frame-source';
import { CameraUnavailableError, type CameraEvent } from '../../src/camera/supervised-process';
import { MonotonicClock } from '../../src/clock';
import { fakeEnv, NODE_BIN, REPO_ROOT } from '../support/fake-bin';
import { mjpegFrames } from '../support/jpeg';
import { MjpegSplitter } from '../../src/camera/mjpeg-splitter';

const dir = mkdtempSync(join(tmpdir(), 'snapask-still-test-'));
const mjpeg = join(dir, 'cam.mjpeg');
writeFileSync(mjpeg, mjpegFrames(5, '320x240'));
const frames = new MjpegSplitter().push(readFileSync(mjpeg));
let n = 0;
const fresh = (name: string) => join(dir, `${name}-${n++}`);
const clock = new MonotonicClock();
const logged = (log: string) => readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]);

function still(env: Record<string, string>, more: Partial<StillFrameSourceOptions> = {}, events: CameraEvent[] = []): StillFrameSource {
  return new StillFrameSource({
    env: fakeEnv({ FAKE_CAMERA_MJPEG: mjpeg, FAKE_STILL_LATENCY_MS: '80', ...env }),
    width: 320, height: 240, clock, warmupMs: 300, backoffMs: 100, captureTimeoutMs: 1500, startTimeoutMs: 3000,
    dir: mkdtempSync(join(dir, 'shm-')), onEvent: (e) => events.push(e), ...more,
  });
}

describe('StillFrameSource on a fake rpicam-still in signal mode', () => {
  it('takes a full still on each request, from after the word began, and leaves nothing behind', async () => {
    const log = fresh('stills.log');
    const shm = mkdtempSync(join(dir, 'shm-'));
    // The fake writes its file within 5 ms of the shutter and it is found within a 10 ms poll.
    const cam = still({ FAKE_CAMERA_LOG: log }, { dir: shm, encodeDelay: 0.03 });
    await cam.start(); // a test picture
    expect(cam.command).toBe('rpicam-still');
    const word = clock.now();
    const asked = clock.now();
    const f = (await cam.capture(word))!;
    const got = clock.now();
    const shots = logged(log);
    expect(shots).toHaveLength(2);
    const [index, shutter] = shots[1]!;
    expect(f.jpeg.equals(frames[index % frames.length]!)).toBe(true);
    // Stamped between the request and the shutter: never before the word, never after the picture was taken.
    expect(f.t).toBeGreaterThanOrEqual(asked);
    expect(f.t).toBeLessThanOrEqual(shutter + 0.001);
    expect(got - asked).toBeLessThan(0.6); // a warm camera: its latency, not a fresh process's seconds
    // A second word during that capture gets the same picture; a later one a new picture.
    expect(cam.frameAt(word)).toBe(f);
    expect(await cam.capture(clock.now())).not.toBe(f);
    await cam.stop();
    expect(existsSync(shm)).toBe(false);
  });

  it('ends a capture in flight when it is stopped', async () => {
    const cam = still({ FAKE_STILL_LATENCY_MS: '400' });
    await cam.start();
    const pending = cam.capture(clock.now());
    await cam.stop();
    expect(await pending).toBeUndefined();
  });

  it('uses libcamera-still where the system has only the older name', async () => {
    const env = { ...fakeEnv({ FAKE_CAMERA_MJPEG: mjpeg }), PATH: `${resolve(REPO_ROOT, 'test/bin-legacy')}:${NODE_BIN}:/usr/bin:/bin` };
    const cam = still({}, { env });
    await cam.start();
    expect(cam.command).toBe('libcamera-still');
    expect(await cam.capture(clock.now())).toBeDefined();
    await cam.stop();
  });

  it('reports a camera that is not there, and leaves nothing behind', async () => {
    const shm = mkdtempSync(join(dir, 'shm-'));
    const cam = still({ FAKE_CAMERA_FAIL: '1' }, { dir: shm });
    await expect(cam.start()).rejects.toThrow(CameraUnavailableError);
    expect(existsSync(shm)).toBe(false);
    await expect(still({ FAKE_CAMERA_FAIL: '1' }).start()).rejects.toThrow(/rpicam-still exited \(1\): ERROR: \*\*\* no cameras available \*\*\*/);
  });

  it('restarts a still camera that exits, and the next snapshot works', async () => {
    const events: CameraEvent[] = [];
    const cam = still({ FAKE_CAMERA_EXIT_AFTER: '2', FAKE_CAMERA_FAULT_RUNS: '1', FAKE_CAMERA_STARTS: fresh('starts') }, {}, events);
    await cam.start();
    expect(await cam.capture(clock.now())).toBeDefined(); // the second picture; then it exits
    await waitFor(() => events.some((e) => e.type === 'camera-restart'), 3000);
    expect(await cam.capture(clock.now())).toBeDefined();
    await cam.stop();
    expect(events.find((e) => e.type === 'camera-exit')!.detail).toMatch(/rpicam-still exited \(1\)/);
  });

  it('restarts a still camera that stops answering signals; that snapshot fails, the next works', async () => {
    const events: CameraEvent[] = [];
    const starts = fresh('starts');
    const cam = still({ FAKE_CAMERA_STALL_AFTER: '1', FAKE_CAMERA_FAULT_RUNS: '1', FAKE_CAMERA_STARTS: starts }, { captureTimeoutMs: 500 }, events);
    await cam.start();
    expect(await cam.capture(clock.now())).toBeUndefined();
    expect(events[0]).toMatchObject({ type: 'camera-stall' });
    expect(events[0]!.detail).toMatch(/no still from rpicam-still 500 ms after the signal/);
    await waitFor(() => events.some((e) => e.type === 'camera-restart'), 5000);
    expect(await cam.capture(clock.now())).toBeDefined();
    await cam.stop();
    expect(readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(2);
  }, 15_000);
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
