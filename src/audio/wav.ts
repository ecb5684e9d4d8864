/** Minimal RIFF/WAVE reading and writing for 16-bit PCM, the only format the pipeline carries. */

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** The PCM payload (the `data` chunk). */
  pcm: Buffer;
}

export class WavFormatError extends Error {
  override name = 'WavFormatError';
}

export function parseWav(buf: Buffer, what = 'WAV'): WavInfo {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavFormatError(`${what} is not a RIFF/WAVE file`);
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    // Streams written by `arecord`/`sox` to a pipe leave the sizes at 0 or 0xFFFFFFFF: read to the end.
    if (id === 'data' && (size === 0 || size === 0xffffffff || body + size > buf.length)) size = buf.length - body;
    if (id === 'fmt ') {
      if (size < 16) throw new WavFormatError(`${what} has a truncated fmt chunk`);
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavFormatError(`${what} has its data chunk before its fmt chunk`);
      // 0xFFFE is WAVE_FORMAT_EXTENSIBLE, which sox writes for some outputs; its samples are still PCM here.
      if (fmt.format !== 1 && fmt.format !== 0xfffe) throw new WavFormatError(`${what} is not PCM (format ${fmt.format})`);
      if (fmt.bits !== 16) throw new WavFormatError(`${what} has ${fmt.bits}-bit samples; 16-bit expected`);
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, bitsPerSample: fmt.bits, pcm: buf.subarray(body, body + size) };
    }
    off = body + size + (size & 1);
  }
  throw new WavFormatError(`${what} has no data chunk`);
}

export function wavHeader(dataBytes: number, sampleRate: number, channels = 1, bitsPerSample = 16): Buffer {
  const h = Buffer.alloc(44);
  const blockAlign = (channels * bitsPerSample) / 8;
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(bitsPerSample, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

export function encodeWav(pcm: Buffer, sampleRate: number, channels = 1): Buffer {
  return Buffer.concat([wavHeader(pcm.length, sampleRate, channels), pcm]);
}
