import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CameraUnavailableError, ProcessFrameSource, rpicamVidArgs } from '../../src/camera/process-frame-source';
import { MonotonicClock } from '../../src/clock';
import { fakeEnv } from '../support/fake-bin';
import { mjpegFrames } from '../support/jpeg';

const dir = mkdtempSync(join(tmpdir(), 'snapask-pfs-'));
const mjpeg = join(dir, 'cam.mjpeg');
writeFileSync(mjpeg, mjpegFrames(20));


describe('ProcessFrameSource on a fake rpicam-vid', () => {
  it('buffers real MJPEG frames with their capture time on the shared clock', async () => {
    const log = join(dir, 'frames.log');
    {
      const src = new ProcessFrameSource({
        env: fakeEnv({ FAKE_CAMERA_MJPEG: mjpeg, FAKE_CAMERA_LOG: log }),
        command: 'rpicam-vid', args: rpicamVidArgs({ width: 160, height: 120, fps: 20 }),
        clock: new MonotonicClock(), ring: { seconds: 10, maxBytes: 1e8 }, pipelineDelay: 0,
      });
      await src.start();
      await sleep(600);
      const written = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]);
      await src.stop();
      expect(written.length).toBeGreaterThanOrEqual(8);
      // Each frame is found at the instant the camera wrote it (to within scheduling noise).
      for (const [n, t] of written.slice(1, -1)) {
        const f = src.frameAt(t - 0.001)!;
        expect(f.index).toBe(n);
        expect(Math.abs(f.t - t)).toBeLessThan(0.03);
      }
      expect(src.splitter.dropped).toBe(0);
    }
  });

  it('reports a camera that is not there with one clear error', async () => {
    {
      const src = new ProcessFrameSource({
        env: fakeEnv({ FAKE_CAMERA_MJPEG: mjpeg, FAKE_CAMERA_FAIL: '1' }),
        command: 'rpicam-vid', args: rpicamVidArgs({ width: 160, height: 120, fps: 20 }),
        clock: new MonotonicClock(), ring: { seconds: 1, maxBytes: 1e8 }, pipelineDelay: 0,
      });
      await expect(src.start()).rejects.toThrow(CameraUnavailableError);
      await expect(src.start()).rejects.toThrow(/camera not available: rpicam-vid exited \(1\): ERROR: \*\*\* no cameras available \*\*\*/);
    }
    const missing = new ProcessFrameSource({
      command: '/nonexistent/rpicam-vid', args: [], clock: new MonotonicClock(), ring: { seconds: 1, maxBytes: 1e8 }, pipelineDelay: 0,
    });
    await expect(missing.start()).rejects.toThrow(/cannot start \/nonexistent\/rpicam-vid: spawn .* ENOENT/);
  });
});
