import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFrameSource } from '../../src/camera/file-frame-source';
import type { CameraEvent } from '../../src/camera/supervised-process';
import { VirtualClock } from '../../src/clock';
import { mjpegFrames } from '../support/jpeg';

const dir = mkdtempSync(join(tmpdir(), 'snapask-ffs-'));

describe('FileFrameSource', () => {
  it('captures frame i at i/fps and only once the clock has reached it', async () => {
    const path = join(dir, 'c.mjpeg');
    writeFileSync(path, mjpegFrames(30));
    const clock = new VirtualClock();
    const src = await FileFrameSource.open(path, { fps: 15, clock });
    expect(src.frameCount).toBe(30);
    clock.advanceTo(0.5);
    expect(src.frameAt(0.2)).toMatchObject({ index: 3, t: 0.2 });
    expect(src.frameAt(1.0)).toBeUndefined(); // frame 15 is in the future: no earlier frame stands in for it
    clock.advanceTo(1.5);
    expect(src.frameAt(1.0)!.index).toBe(15);
    clock.advanceTo(10);
    expect(src.frameAt(1.9)!.index).toBe(29); // the last frame, captured at 1.933 s
  });

  it('gives no frame for a word after the recording ended (its last frame is from before it), and says so once', async () => {
    const path = join(dir, 'short.mjpeg');
    writeFileSync(path, mjpegFrames(10));
    const clock = new VirtualClock();
    const told: CameraEvent[] = [];
    const src = await FileFrameSource.open(path, { fps: 15, clock, onEvent: (e) => told.push(e) });
    clock.advanceTo(3);
    expect(src.frameAt(2.2, 2.8)).toBeUndefined();
    expect(src.frameAt(2.9)).toBeUndefined();
    expect(told).toEqual([{ type: 'camera-exit', detail: expect.stringMatching(/short\.mjpeg ends at 0\.600 s .*before the word at 2\.200 s/) }]);
    expect(src.frameAt(0.5)!.index).toBe(8); // within the recording, a word still gets its frame
  });

  it('repeats a still image as every frame', async () => {
    const path = join(dir, 's.jpg');
    writeFileSync(path, mjpegFrames(1));
    const clock = new VirtualClock();
    const src = await FileFrameSource.open(path, { fps: 10, clock });
    clock.advanceTo(3);
    expect(src.frameAt(2.05)).toMatchObject({ index: 21 });
  });

  it('refuses a camera file that is not JPEG, naming it', async () => {
    const path = join(dir, 'notjpeg.mjpeg');
    writeFileSync(path, 'GIF89a this is no jpeg');
    await expect(FileFrameSource.open(path, { fps: 15, clock: new VirtualClock() })).rejects.toThrow(/notjpeg\.mjpeg is not JPEG or MJPEG/);
  });
});
