import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { libcameraArgs, rpicamStillArgs, rpicamVidArgs, v4l2FfmpegArgs } from '../../src/camera/camera-args';
import { createFrameSource } from '../../src/camera/create-frame-source';
import { FileFrameSource } from '../../src/camera/file-frame-source';
import { ProcessFrameSource } from '../../src/camera/process-frame-source';
import { StillFrameSource } from '../../src/camera/still-frame-source';
import { VirtualClock } from '../../src/clock';
import { DEFAULT_CONFIG, loadConfig } from '../../src/config/config';
import { mjpegFrames } from '../support/jpeg';

const dir = mkdtempSync(join(tmpdir(), 'snapask-camcfg-'));
const configWith = (camera: Record<string, unknown>) => {
  const path = join(dir, `c${Math.random()}.json`);
  writeFileSync(path, JSON.stringify({ camera }));
  return path;
};

describe('camera configuration', () => {
  it('accepts each camera kind with its settings', () => {
    const { config } = loadConfig(configWith({ kind: 'v4l2', device: '/dev/video2', quality: 70, stallSeconds: 2, choose: 'sharpest' }), {});
    expect(config.camera).toMatchObject({ kind: 'v4l2', device: '/dev/video2', quality: 70, stallSeconds: 2, choose: 'sharpest', fps: 15 });
    expect(loadConfig(configWith({ kind: 'still' }), {}).config.camera.kind).toBe('still');
  });

  it('names the key, the value and what is allowed', () => {
    expect(() => loadConfig(configWith({ kind: 'usb' }), {})).toThrow(/camera.kind = "usb" is not allowed; expected auto, rpicam, v4l2, still, file or none/);
    expect(() => loadConfig(configWith({ quality: 101 }), {})).toThrow(/camera.quality = 101 is not allowed; expected a JPEG quality from 1 to 100/);
    expect(() => loadConfig(configWith({ choose: 'best' }), {})).toThrow(/camera.choose = "best"/);
    expect(() => loadConfig(configWith({ kind: 'file' }), {})).toThrow(/camera.kind "file" needs camera.file/);
  });

  it('builds each kind\'s source', async () => {
    const clock = new VirtualClock();
    const c = DEFAULT_CONFIG.camera;
    expect(await createFrameSource({ ...c, kind: 'none' }, { clock })).toBeUndefined();
    expect(await createFrameSource({ ...c, kind: 'rpicam' }, { clock })).toBeInstanceOf(ProcessFrameSource);
    expect(await createFrameSource({ ...c, kind: 'v4l2' }, { clock })).toBeInstanceOf(ProcessFrameSource);
    const still = await createFrameSource({ ...c, kind: 'still' }, { clock });
    expect(still).toBeInstanceOf(StillFrameSource);
    await still!.stop(); // removes its memory-backed directory
    const file = join(dir, 'c.mjpeg');
    writeFileSync(file, mjpegFrames(3));
    expect(await createFrameSource({ ...c, kind: 'file', file, choose: 'sharpest' }, { clock })).toBeInstanceOf(FileFrameSource);
  });
});

describe('camera arguments', () => {
  it('turns node-libcamera typed options into flags, leaving out false and unset ones', () => {
    expect(libcameraArgs({ nopreview: true, hflip: false, timeout: 0, width: undefined, output: '-' })).toEqual(['--nopreview', '--timeout', '0', '--output', '-']);
  });

  it('asks each tool for what the capture path needs', () => {
    expect(rpicamVidArgs({ width: 1280, height: 720, fps: 15 }).join(' ')).toBe(
      '--codec mjpeg --timeout 0 --output - --nopreview --flush --width 1280 --height 720 --quality 85 --framerate 15');
    expect(rpicamVidArgs({ width: 1280, height: 720, fps: 15, pts: '/dev/shm/p/pts' }).join(' ')).toContain('--save-pts /dev/shm/p/pts');
    expect(rpicamStillArgs({ width: 4056, height: 3040, output: '/dev/shm/x/still%06d.jpg' }).join(' ')).toBe(
      '--timeout 0 --signal --nopreview --encoding jpg --width 4056 --height 3040 --quality 93 --output /dev/shm/x/still%06d.jpg');
    expect(v4l2FfmpegArgs({ width: 1280, height: 720, fps: 15, device: '/dev/video0' }).join(' ')).toMatch(
      /-f v4l2 -input_format mjpeg -video_size 1280x720 -framerate 15 -i \/dev\/video0 -map 0:v -c:v copy -flush_packets 1 -f mjpeg -$/);
    expect(v4l2FfmpegArgs({ width: 1280, height: 720, fps: 15, device: '/dev/video0', times: 'pipe:3' }).join(' ')).toMatch(
      /-copyts -f v4l2 .* -f mjpeg - -map 0:v -c:v copy -flush_packets 1 -f framecrc pipe:3$/);
  });
});
