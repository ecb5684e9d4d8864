import { execFileSync } from 'node:child_process';
import { firstAtOrAfter, sharpestWithin } from '../../src/camera/frame-selection';
import { jpegSharpness, thumbnail } from '../../src/camera/jpeg-sharpness';
import { MjpegSplitter } from '../../src/camera/mjpeg-splitter';
import { FrameRingBuffer } from '../../src/camera/ring-buffer';

/** Real 1280x720 JPEGs of one scene, sharp or blurred by ffmpeg (as motion or focus would). */
function scene(blur: number): Buffer {
  return execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=15', '-frames:v', '1',
    ...(blur ? ['-vf', `boxblur=${blur}`] : []), '-c:v', 'mjpeg', '-q:v', '4', '-f', 'mjpeg', '-',
  ]);
}

describe('snapshot choice', () => {
  const sharp = scene(0);
  const soft = scene(3);
  const blurred = scene(10);

  it('decodes a 1280x720 JPEG to a 160x90 grey thumbnail', () => {
    const t = thumbnail(sharp);
    expect([t.width, t.height]).toEqual([160, 90]);
    expect(new MjpegSplitter().push(sharp)).toHaveLength(1);
    expect(Math.max(...t.pixels) - Math.min(...t.pixels)).toBeGreaterThan(100); // a picture, not a blank
  });

  it('ranks blur: sharp above slightly blurred above very blurred', () => {
    const [a, b, c] = [sharp, soft, blurred].map(jpegSharpness);
    expect(a).toBeGreaterThan(b! * 1.2);
    expect(b).toBeGreaterThan(c! * 1.2);
  });

  it('rejects what is not a JPEG with a clear error', () => {
    expect(() => jpegSharpness(Buffer.from('GIF89a not a jpeg'))).toThrow(/not a JPEG/);
  });

  const ring = new FrameRingBuffer({ seconds: 10, maxBytes: 1e9 });
  // 15 fps; frame 7 (t = 0.467) is the only sharp one.
  const jpegs = [blurred, blurred, blurred, soft, blurred, blurred, soft, sharp, blurred, soft, blurred, blurred];
  jpegs.forEach((jpeg, index) => ring.push({ jpeg, t: index / 15, index }));

  it('first: the frame at or after the word\'s start, never one before it, none if none is that recent', () => {
    expect(firstAtOrAfter.choose(ring, 0.1)!.index).toBe(2);
    expect(firstAtOrAfter.choose(ring, 2 / 15)!.index).toBe(2);
    expect(firstAtOrAfter.choose(ring, 5)).toBeUndefined();
  });

  it('sharpest: the sharpest frame spoken during the word, not one outside it', () => {
    const choose = sharpestWithin(jpegSharpness);
    expect(choose.choose(ring, 0.1, 0.6)!.index).toBe(7);
    expect(choose.choose(ring, 0.1, 0.45)!.index).toBe(3); // frame 7 is after the word: the first soft one wins over later equals
    expect(choose.choose(ring, 0.5, 0.75)!.index).toBe(9); // frame 7 is before the word
    expect(choose.choose(ring, 0.1)!.index).toBe(2); // no end given: the first
  });

  it('scores each frame once, as it is buffered, so a snapshot decodes nothing', () => {
    let decodes = 0;
    const chooser = sharpestWithin((j) => (decodes++, jpegSharpness(j)));
    for (const f of ring.between(0, Infinity)) chooser.buffered!(f);
    expect(decodes).toBe(12);
    expect(chooser.choose(ring, 0.1, 0.6)!.index).toBe(7);
    chooser.choose(ring, 0, 0.8);
    expect(decodes).toBe(12);
  });
});
