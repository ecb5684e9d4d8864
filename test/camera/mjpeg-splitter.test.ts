import { MjpegSplitter } from '../../src/camera/mjpeg-splitter';
import { mjpegFrames } from '../support/jpeg';

/** Where each frame of a concatenated MJPEG starts, found independently: by decoding with ffmpeg frame by frame would be slow, so by SOI+SOF pairs. */
function expectedFrames(stream: Buffer, n: number): Buffer[] {
  const starts: number[] = [];
  for (let i = stream.indexOf(Buffer.from([0xff, 0xd8, 0xff])); i >= 0; i = stream.indexOf(Buffer.from([0xff, 0xd8, 0xff]), i + 3)) starts.push(i);
  expect(starts).toHaveLength(n);
  return starts.map((s, k) => stream.subarray(s, starts[k + 1] ?? stream.length));
}

describe('MjpegSplitter', () => {
  const stream = mjpegFrames(12);
  const truth = expectedFrames(stream, 12);

  it('splits a whole stream into its frames, byte for byte', () => {
    const frames = new MjpegSplitter().push(stream);
    expect(frames).toHaveLength(12);
    frames.forEach((f, i) => expect(f.equals(truth[i]!)).toBe(true));
  });

  it('copes with reads torn at every possible size', () => {
    for (const size of [1, 2, 3, 7, 64, 1000, 4093]) {
      const s = new MjpegSplitter();
      const out: Buffer[] = [];
      for (let off = 0; off < stream.length; off += size) out.push(...s.push(stream.subarray(off, off + size)));
      expect(out.map((f) => f.length)).toEqual(truth.map((f) => f.length));
      expect(s.dropped).toBe(0);
    }
  });

  it('skips garbage between frames and drops a truncated frame, counting both', () => {
    const garbage = Buffer.from('not a jpeg \xff\x00\xff junk', 'latin1');
    const torn = truth[1]!.subarray(0, Math.floor(truth[1]!.length / 2));
    const s = new MjpegSplitter();
    const out = s.push(Buffer.concat([garbage, truth[0]!, garbage, torn, truth[2]!, truth[3]!]));
    expect(out.map((f) => f.length)).toEqual([truth[0]!.length, truth[2]!.length, truth[3]!.length]);
    expect(s.dropped).toBe(1);
    expect(s.skippedBytes).toBeGreaterThanOrEqual(garbage.length * 2);
  });

  it('does not end a frame at the EOI of an EXIF thumbnail inside APP1', () => {
    const thumb = truth[0]!;
    const main = truth[1]!;
    const exif = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), thumb]);
    const app1 = Buffer.alloc(4);
    app1.writeUInt16BE(0xffe1, 0);
    app1.writeUInt16BE(exif.length + 2, 2);
    const withThumb = Buffer.concat([main.subarray(0, 2), app1, exif, main.subarray(2)]);
    const out = new MjpegSplitter().push(Buffer.concat([withThumb, truth[2]!]));
    expect(out.map((f) => f.length)).toEqual([withThumb.length, truth[2]!.length]);
  });
});
