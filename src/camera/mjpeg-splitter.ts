/**
 * Splits an MJPEG byte stream (concatenated JPEGs, as `rpicam-vid --codec mjpeg -o -`
 * and `ffmpeg -f mjpeg` write them) into whole frames.
 *
 * It walks the JPEG segment structure instead of searching for the first FFD9,
 * because an EXIF thumbnail carries its own FFD8..FFD9 inside APP1. Bytes between
 * frames (a torn write, a restart) are skipped up to the next start-of-image.
 */
export class MjpegSplitter {
  private buf: Buffer = Buffer.alloc(0);
  /** Frames given up on: a start-of-image whose structure did not parse. */
  dropped = 0;
  /** Bytes skipped outside any frame. */
  skippedBytes = 0;

  constructor(private readonly maxFrameBytes = 8 * 1024 * 1024) {}

  /** Feed bytes; returns the frames completed by them. */
  push(data: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const frames: Buffer[] = [];
    for (;;) {
      const soi = findSoi(this.buf, 0);
      if (soi < 0) {
        // Keep a trailing FF or FF D8: it may be the start of the next SOI.
        const b = this.buf;
        const n = b.length;
        const keep = n >= 2 && b[n - 2] === 0xff && b[n - 1] === 0xd8 ? 2 : n >= 1 && b[n - 1] === 0xff ? 1 : 0;
        this.skippedBytes += this.buf.length - keep;
        this.buf = this.buf.subarray(this.buf.length - keep);
        return frames;
      }
      if (soi > 0) {
        this.skippedBytes += soi;
        this.buf = this.buf.subarray(soi);
      }
      const end = frameEnd(this.buf);
      if (end === NEED_MORE) {
        if (this.buf.length > this.maxFrameBytes) this.resyncAfterBadFrame();
        else return frames;
      } else if (end === BROKEN) {
        this.resyncAfterBadFrame();
      } else {
        // Copy out: the frame outlives this read buffer in the ring buffer.
        frames.push(Buffer.from(this.buf.subarray(0, end)));
        this.buf = this.buf.subarray(end);
      }
    }
  }

  private resyncAfterBadFrame(): void {
    this.dropped++;
    const next = findSoi(this.buf, 2);
    const cut = next < 0 ? this.buf.length : next;
    this.skippedBytes += cut;
    this.buf = this.buf.subarray(cut);
  }
}

const NEED_MORE = -1;
const BROKEN = -2;

function findSoi(b: Buffer, from: number): number {
  for (let i = b.indexOf(0xff, from); i >= 0 && i + 2 < b.length; i = b.indexOf(0xff, i + 1)) {
    if (b[i + 1] === 0xd8 && b[i + 2] === 0xff) return i;
  }
  return -1;
}

/** Offset just past the frame's EOI, NEED_MORE, or BROKEN. `b` starts at an SOI. */
function frameEnd(b: Buffer): number {
  let i = 2;
  // Header segments: each is FF xx LL LL (payload).
  for (;;) {
    if (i + 4 > b.length) return NEED_MORE;
    if (b[i] !== 0xff) return BROKEN;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd9) return i + 2; // EOI with no scan: an empty image, still a frame boundary
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) return BROKEN;
    const len = b.readUInt16BE(i + 2);
    if (len < 2) return BROKEN;
    i += 2 + len;
    if (marker === 0xda) break; // start of scan: entropy-coded data follows
  }
  // Entropy-coded data: markers are FF followed by a non-zero byte; RSTn and fill bytes continue it.
  for (let j = b.indexOf(0xff, i); ; j = b.indexOf(0xff, j + 1)) {
    if (j < 0 || j + 1 >= b.length) return NEED_MORE;
    const m = b[j + 1]!;
    if (m === 0x00 || m === 0xff || (m >= 0xd0 && m <= 0xd7)) continue;
    if (m === 0xd9) return j + 2;
    if (m === 0xd8) return BROKEN; // a new image began before this one ended
    // Another segment (DHT/SOS of a progressive JPEG): skip it and keep scanning.
    if (j + 4 > b.length) return NEED_MORE;
    const len = b.readUInt16BE(j + 2);
    if (len < 2) return BROKEN;
    j += 1 + len;
  }
}
