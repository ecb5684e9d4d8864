/** Width and height from a JPEG's start-of-frame marker, without decoding it. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG (no SOI marker)');
  for (let i = 2; i + 9 < jpeg.length; ) {
    if (jpeg[i] !== 0xff) throw new Error(`bad JPEG marker at byte ${i}`);
    const m = jpeg[i + 1]!;
    if (m === 0xff) {
      i += 1; // fill byte
      continue;
    }
    const len = jpeg.readUInt16BE(i + 2);
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  throw new Error('not a JPEG (no SOF marker)');
}
