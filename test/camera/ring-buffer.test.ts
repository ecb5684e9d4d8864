import { FrameRingBuffer } from '../../src/camera/ring-buffer';

const frame = (i: number, fps = 10, bytes = 100) => ({ jpeg: Buffer.alloc(bytes, i), t: i / fps, index: i });

describe('FrameRingBuffer', () => {
  it('keeps only the configured seconds of frames', () => {
    const r = new FrameRingBuffer({ seconds: 1, maxBytes: 1e9 });
    for (let i = 0; i < 100; i++) r.push(frame(i));
    expect(r.newest()!.index).toBe(99);
    expect(r.oldest()!.index).toBe(89);
    expect(r.size).toBe(11);
  });

  it('keeps no more than the configured bytes', () => {
    const r = new FrameRingBuffer({ seconds: 100, maxBytes: 1000 });
    for (let i = 0; i < 50; i++) r.push(frame(i, 10, 300));
    expect(r.byteSize).toBeLessThanOrEqual(1000);
    expect(r.size).toBe(3);
  });

  it('finds the first frame at or after an instant, never an earlier one', () => {
    const r = new FrameRingBuffer({ seconds: 10, maxBytes: 1e9 });
    for (let i = 0; i < 50; i++) r.push(frame(i));
    expect(r.firstAtOrAfter(2.0)!.index).toBe(20);
    expect(r.firstAtOrAfter(2.01)!.index).toBe(21);
    expect(r.firstAtOrAfter(1.99)!.index).toBe(20);
    expect(r.firstAtOrAfter(99)!.index).toBe(49); // not captured yet: the newest
  });

  it('stays correct across many compactions', () => {
    const r = new FrameRingBuffer({ seconds: 0.5, maxBytes: 1e9 });
    for (let i = 0; i < 5000; i++) r.push(frame(i, 100, 10));
    expect(r.oldest()!.index).toBe(4949);
    expect(r.firstAtOrAfter(49.7)!.index).toBe(4970);
  });

  it('ignores a frame older than the newest (a restarted camera cannot go back in time)', () => {
    const r = new FrameRingBuffer({ seconds: 10, maxBytes: 1e9 });
    r.push(frame(5));
    r.push(frame(3));
    expect(r.size).toBe(1);
  });
});
