import { createHash } from 'node:crypto';

/**
 * A FLAC encoder for the microphone's format (mono, 16-bit), in process: a question's piece is encoded in a
 * millisecond or two where starting ffmpeg took tens to hundreds on a busy Pi (docs/measurements.md). Lossless,
 * and what libFLAC's fastest settings do: each block predicted by the best of FLAC's fixed polynomial predictors
 * (orders 0-4), the residual Rice-coded in partitions; a constant block as one value; a block that would not
 * shrink stored verbatim. The format: https://xiph.org/flac/format.html (RFC 9639).
 */
const BLOCK = 4096;
const BPS = 16;
/** Rice parameters above 14 need the 5-bit method; 15 is the escape code. */
const MAX_RICE = 14;
const MAX_PARTITION_ORDER = 4;

export function encodeFlacPcm16(pcm: Buffer, sampleRate: number): Buffer {
  const n = pcm.length >> 1;
  const samples = new Int32Array(n);
  const view = new DataView(pcm.buffer, pcm.byteOffset, n * 2);
  for (let i = 0; i < n; i++) samples[i] = view.getInt16(i * 2, true);
  const frames: Buffer[] = [];
  let minFrame = 0xffffff;
  let maxFrame = 0;
  for (let off = 0, index = 0; off < n; off += BLOCK, index++) {
    const frame = encodeFrame(samples.subarray(off, Math.min(n, off + BLOCK)), index, sampleRate);
    frames.push(frame);
    minFrame = Math.min(minFrame, frame.length);
    maxFrame = Math.max(maxFrame, frame.length);
  }
  const w = new BitWriter(42);
  w.bytes([0x66, 0x4c, 0x61, 0x43]); // "fLaC"
  w.bits(1, 1); // the last metadata block
  w.bits(0, 7); // STREAMINFO
  w.bits(34, 24);
  w.bits(BLOCK, 16);
  w.bits(BLOCK, 16);
  w.bits(frames.length ? minFrame : 0, 24);
  w.bits(maxFrame, 24);
  w.bits(sampleRate, 20);
  w.bits(0, 3); // one channel
  w.bits(BPS - 1, 5);
  w.bits(Math.floor(n / 2 ** 32), 4);
  w.bits(n >>> 16, 16);
  w.bits(n & 0xffff, 16);
  w.bytes(createHash('md5').update(pcm.subarray(0, n * 2)).digest());
  return Buffer.concat([w.done(), ...frames]);
}

function encodeFrame(x: Int32Array, index: number, sampleRate: number): Buffer {
  const w = new BitWriter(64 + x.length * 2 + 16);
  w.bits(0b11111111111110, 14);
  w.bits(0, 1);
  w.bits(0, 1); // fixed block size: the header carries the frame's number
  w.bits(0b0111, 4); // block size - 1 in 16 bits after the number
  w.bits(rateCode(sampleRate), 4);
  w.bits(0, 4); // mono
  w.bits(0b100, 3); // 16 bits per sample
  w.bits(0, 1);
  w.bytes(utf8Number(index));
  w.bits(x.length - 1, 16);
  if (rateCode(sampleRate) === 0b1101) w.bits(sampleRate / 10, 16);
  w.bits(crc8(w.peek()), 8);
  subframe(w, x);
  w.align();
  w.bits(crc16(w.peek()), 16);
  return w.done();
}

function rateCode(rate: number): number {
  const codes: Record<number, number> = { 8000: 0b0100, 16000: 0b0101, 22050: 0b0110, 24000: 0b0111, 32000: 0b1000, 44100: 0b1001, 48000: 0b1010 };
  const code = codes[rate];
  if (code !== undefined) return code;
  if (rate % 10 === 0 && rate / 10 < 65536) return 0b1101;
  throw new Error(`FLAC: no frame-header code for a sample rate of ${rate} Hz`);
}

function subframe(w: BitWriter, x: Int32Array): void {
  if (x.every((v) => v === x[0])) {
    w.bits(0b0000000, 7);
    w.bits(0, 1);
    w.bits(x[0]! & 0xffff, BPS);
    return;
  }
  // The predictor whose residual is smallest in magnitude (as libFLAC chooses among its fixed ones), then its Rice coding.
  const order = fixedOrder(x);
  const residual = fixedResidual(x, order);
  const plan = ricePlan(residual, x.length, order);
  const best = { order, bits: order * BPS + plan.bits, residual, plan };
  if (best.bits >= x.length * BPS) {
    w.bits(0b0000001, 7); // a zero bit, then the type: verbatim
    w.bits(0, 1);
    for (const v of x) w.bits(v & 0xffff, BPS);
    return;
  }
  w.bits(0b0001000 | best.order, 7); // fixed predictor of this order
  w.bits(0, 1);
  for (let i = 0; i < best.order; i++) w.bits(x[i]! & 0xffff, BPS);
  w.bits(0, 2); // Rice, 4-bit parameters
  w.bits(best.plan.order, 4);
  const parts = 1 << best.plan.order;
  const per = x.length >> best.plan.order;
  let i = best.order;
  for (let p = 0; p < parts; p++) {
    const k = best.plan.params[p]!;
    w.bits(k, 4);
    const end = (p + 1) * per;
    for (; i < end; i++) {
      const v = best.residual[i]!;
      const u = v >= 0 ? v * 2 : -v * 2 - 1;
      const q = u >>> k;
      // The usual case in one write: q zeros, a one, the k low bits.
      if (q + 1 + k <= 24) w.bits((1 << k) | (u & ((1 << k) - 1)), q + 1 + k);
      else {
        w.unary(q);
        if (k) w.bits(u & ((1 << k) - 1), k);
      }
    }
  }
}

/** The residual of FLAC's fixed predictor of `order` (entries before `order` are the warm-up, left 0). */
function fixedResidual(x: Int32Array, order: number): Int32Array {
  const r = new Int32Array(x.length);
  for (let i = order; i < x.length; i++) {
    switch (order) {
      case 0: r[i] = x[i]!; break;
      case 1: r[i] = x[i]! - x[i - 1]!; break;
      case 2: r[i] = x[i]! - 2 * x[i - 1]! + x[i - 2]!; break;
      case 3: r[i] = x[i]! - 3 * x[i - 1]! + 3 * x[i - 2]! - x[i - 3]!; break;
      default: r[i] = x[i]! - 4 * x[i - 1]! + 6 * x[i - 2]! - 4 * x[i - 3]! + x[i - 4]!;
    }
  }
  return r;
}

/** The fixed predictor order (0-4) with the least total |residual| over the block, the differences taken in one pass. */
function fixedOrder(x: Int32Array): number {
  const max = Math.min(4, x.length - 1);
  const total = [0, 0, 0, 0, 0];
  let d1p = 0, d2p = 0, d3p = 0;
  for (let i = 0; i < x.length; i++) {
    const d0 = x[i]!;
    const d1 = i >= 1 ? d0 - x[i - 1]! : 0;
    const d2 = i >= 2 ? d1 - d1p : 0;
    const d3 = i >= 3 ? d2 - d2p : 0;
    const d4 = i >= 4 ? d3 - d3p : 0;
    // Each order counted from where every order has its warm-up, so the totals compare the same samples.
    if (i >= max) {
      total[0]! += Math.abs(d0);
      total[1]! += Math.abs(d1);
      total[2]! += Math.abs(d2);
      total[3]! += Math.abs(d3);
      total[4]! += Math.abs(d4);
    }
    d1p = d1;
    d2p = d2;
    d3p = d3;
  }
  let order = 0;
  for (let o = 1; o <= max; o++) if (total[o]! < total[order]!) order = o;
  return order;
}

interface RicePlan {
  order: number;
  params: number[];
  bits: number;
}

/**
 * The partition order and Rice parameters coding the residual in about the fewest bits (header fields included):
 * each partition's cost estimated from the sum of its folded residuals, the sums of the finest partitions added up
 * for the coarser ones.
 */
function ricePlan(residual: Int32Array, n: number, predictorOrder: number): RicePlan {
  let top = 0;
  while (top < MAX_PARTITION_ORDER && n % (2 << top) === 0 && n >> (top + 1) > predictorOrder) top++;
  const per = n >> top;
  let sums: number[] = [];
  let counts: number[] = [];
  for (let p = 0; p < 1 << top; p++) {
    let sum = 0;
    const from = p === 0 ? predictorOrder : p * per;
    for (let i = from; i < (p + 1) * per; i++) {
      const v = residual[i]!;
      sum += v >= 0 ? v * 2 : -v * 2 - 1;
    }
    sums.push(sum);
    counts.push((p + 1) * per - from);
  }
  let best: RicePlan | undefined;
  for (let order = top; ; order--) {
    const params: number[] = [];
    let bits = 6;
    for (let p = 0; p < sums.length; p++) {
      const { k, bits: b } = bestParam(sums[p]!, counts[p]!);
      params.push(k);
      bits += 4 + b;
    }
    if (!best || bits < best.bits) best = { order, params, bits };
    if (order === 0) return best;
    sums = sums.flatMap((s, i) => (i % 2 ? [] : [s + sums[i + 1]!]));
    counts = counts.flatMap((c, i) => (i % 2 ? [] : [c + counts[i + 1]!]));
  }
}

/** The Rice parameter for `count` folded residuals adding up to `sum`, and its cost in bits (at most this). */
function bestParam(sum: number, count: number): { k: number; bits: number } {
  if (count <= 0) return { k: 0, bits: 0 };
  const mean = sum / count;
  const guess = mean < 1 ? 0 : Math.min(MAX_RICE, Math.floor(Math.log2(mean)));
  let best = { k: 0, bits: Infinity };
  for (let k = Math.max(0, guess - 1); k <= Math.min(MAX_RICE, guess + 1); k++) {
    const bits = count * (1 + k) + Math.floor(sum / 2 ** k);
    if (bits < best.bits) best = { k, bits };
  }
  return best;
}

/** A frame's number as FLAC writes it (UTF-8's scheme, extended to 36 bits). */
function utf8Number(v: number): number[] {
  if (v < 0x80) return [v];
  // c continuation bytes of 6 bits; the leading byte: c + 1 ones, a zero, the top 6 - c bits.
  let c = 1;
  while (v >= 2 ** (6 + 5 * c)) c++;
  const out = [((0xff << (7 - c)) & 0xff) | Math.floor(v / 2 ** (6 * c))];
  for (let j = c - 1; j >= 0; j--) out.push(0x80 | (Math.floor(v / 2 ** (6 * j)) & 0x3f));
  return out;
}

function crc8(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

const CRC16 = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let i = 0; i < 8; i++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
    t[n] = c;
  }
  return t;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16[(crc >> 8) ^ b]!;
  return crc;
}

/** Bits, most significant first, into a growing buffer. */
class BitWriter {
  private buf: Uint8Array;
  private pos = 0;
  private acc = 0;
  private accBits = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  /** `n` <= 24 low bits of `v`. */
  bits(v: number, n: number): void {
    if (n > 24) {
      this.bits(Math.floor(v / 2 ** 24), n - 24);
      v %= 2 ** 24;
      n = 24;
    }
    this.acc = (this.acc << n) | (v & ((1 << n) - 1));
    this.accBits += n;
    while (this.accBits >= 8) {
      this.accBits -= 8;
      this.put((this.acc >>> this.accBits) & 0xff);
    }
    this.acc &= (1 << this.accBits) - 1;
  }

  /** `q` zeros, then a one. */
  unary(q: number): void {
    while (q >= 16) {
      this.bits(0, 16);
      q -= 16;
    }
    this.bits(1, q + 1);
  }

  bytes(b: ArrayLike<number>): void {
    for (let i = 0; i < b.length; i++) this.bits(b[i]!, 8);
  }

  align(): void {
    if (this.accBits) this.bits(0, 8 - this.accBits);
  }

  /** The whole bytes written so far. */
  peek(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  done(): Buffer {
    this.align();
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.pos);
  }

  private put(byte: number): void {
    if (this.pos === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.pos++] = byte;
  }
}
