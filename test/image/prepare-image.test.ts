import { execFileSync } from 'node:child_process';
import { prepareImage, targetSize } from '../../src/image/prepare-image';
import { jpegSize } from '../../src/image/jpeg-size';
import { fakeEnv } from '../support/fake-bin';

function photo(size: string): Buffer {
  // A busy test pattern compresses like a photograph, not like a flat colour.
  return execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=1`, '-frames:v', '1', '-c:v', 'mjpeg', '-q:v', '2', '-f', 'mjpeg', '-'], { maxBuffer: 64 << 20 });
}

describe('pictures sized for their detail level', () => {
  it('targets what the model keeps: high fits 2048 then 768 on the short side, low 512, original untouched', () => {
    expect(targetSize(1920, 1080, 'high')).toEqual({ width: 1366, height: 768 });
    expect(targetSize(1920, 1080, 'auto')).toEqual({ width: 1366, height: 768 });
    expect(targetSize(4056, 3040, 'high')).toEqual({ width: 1024, height: 768 });
    expect(targetSize(1080, 1920, 'low')).toEqual({ width: 288, height: 512 });
    expect(targetSize(1920, 1080, 'original')).toEqual({ width: 1920, height: 1080 });
    // Already small enough: sent as taken.
    expect(targetSize(1280, 720, 'high')).toEqual({ width: 1280, height: 720 });
    expect(targetSize(320, 240, 'low')).toEqual({ width: 320, height: 240 });
  });

  it('resizes a 1920x1080 snapshot with ffmpeg to far fewer bytes, and leaves a small one alone', async () => {
    const big = photo('1920x1080');
    const high = await prepareImage(big, 'high', { env: fakeEnv() });
    const low = await prepareImage(big, 'low', { env: fakeEnv() });
    expect(high.resized).toBe(true);
    expect(jpegSize(high.jpeg)).toEqual({ width: 1366, height: 768 });
    expect(jpegSize(low.jpeg)).toEqual({ width: 512, height: 288 });
    expect(high.jpeg.length).toBeLessThan(big.length * 0.6);
    expect(low.jpeg.length).toBeLessThan(high.jpeg.length);
    const small = photo('640x480');
    const same = await prepareImage(small, 'high', { env: fakeEnv() });
    expect(same.resized).toBe(false);
    expect(same.jpeg).toBe(small);
  });

  it('says clearly when the bytes are not a JPEG or ffmpeg is missing', async () => {
    await expect(prepareImage(Buffer.from('not a jpeg'), 'high')).rejects.toThrow(/not a JPEG/);
    await expect(prepareImage(photo('1920x1080'), 'low', { env: { PATH: '/nonexistent' } })).rejects.toThrow(/ffmpeg is not installed/);
  });
});
