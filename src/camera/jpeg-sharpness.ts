/**
 * How sharp a JPEG is, cheaply: libjpeg-turbo decodes it at 1/8 scale (only
 * the DC coefficient of each 8x8 block, no inverse DCT), in grey, and the
 * variance of the Laplacian of that thumbnail is the measure: blur (motion,
 * focus) removes edges and so lowers it. A 1280x720 frame becomes 160x90.
 * Bound through koffi to the TurboJPEG C API (turbojpeg.h, libturbojpeg0).
 */
import koffi from 'koffi';

export const TURBOJPEG_SONAME = 'libturbojpeg.so.0';
const TJPF_GRAY = 6;
const TJFLAG_FASTDCT = 2048;

type Ptr = bigint | null;
interface TjApi {
  tjInitDecompress(): Ptr;
  tjDecompressHeader3(h: Ptr, jpeg: Buffer, size: number, w: Int32Array, hgt: Int32Array, subsamp: Int32Array, cs: Int32Array): number;
  tjDecompress2(h: Ptr, jpeg: Buffer, size: number, dst: Buffer, w: number, pitch: number, hgt: number, pf: number, flags: number): number;
  tjGetErrorStr2(h: Ptr): string;
}

export class SharpnessUnavailableError extends Error {
  override name = 'SharpnessUnavailableError';
}

let api: TjApi | undefined;
let handle: Ptr = null;

function turbo(): { api: TjApi; handle: Ptr } {
  if (!api) {
    let lib: ReturnType<typeof koffi.load>;
    try {
      lib = koffi.load(TURBOJPEG_SONAME);
    } catch (e) {
      throw new SharpnessUnavailableError(`sharpest-frame choice needs ${TURBOJPEG_SONAME} (apt-get install libturbojpeg0): ${(e as Error).message}`);
    }
    api = {
      tjInitDecompress: lib.func('void *tjInitDecompress()'),
      tjDecompressHeader3: lib.func('int tjDecompressHeader3(void *h, const uint8_t *jpeg, unsigned long size, _Out_ int *w, _Out_ int *hgt, _Out_ int *subsamp, _Out_ int *cs)'),
      tjDecompress2: lib.func('int tjDecompress2(void *h, const uint8_t *jpeg, unsigned long size, _Out_ uint8_t *dst, int w, int pitch, int hgt, int pf, int flags)'),
      tjGetErrorStr2: lib.func('const char *tjGetErrorStr2(void *h)'),
    } as unknown as TjApi;
    handle = api.tjInitDecompress();
  }
  return { api, handle };
}

/** Fails now, with the reason, if the library is missing (checked at start, not at the first snapshot). */
export function assertSharpnessAvailable(): void {
  turbo();
}

/** The 1/8-scale grey thumbnail of a JPEG. */
export function thumbnail(jpeg: Buffer): { pixels: Buffer; width: number; height: number } {
  const { api: tj, handle: h } = turbo();
  const w = new Int32Array(1);
  const hh = new Int32Array(1);
  const ss = new Int32Array(1);
  const cs = new Int32Array(1);
  if (tj.tjDecompressHeader3(h, jpeg, jpeg.length, w, hh, ss, cs) !== 0) throw new Error(`not a JPEG: ${tj.tjGetErrorStr2(h)}`);
  const width = Math.ceil(w[0]! / 8);
  const height = Math.ceil(hh[0]! / 8);
  const pixels = Buffer.alloc(width * height);
  if (tj.tjDecompress2(h, jpeg, jpeg.length, pixels, width, width, height, TJPF_GRAY, TJFLAG_FASTDCT) !== 0) {
    throw new Error(`JPEG decode failed: ${tj.tjGetErrorStr2(h)}`);
  }
  return { pixels, width, height };
}

/** Variance of the 4-neighbour Laplacian of the 1/8-scale thumbnail: higher is sharper. */
export function jpegSharpness(jpeg: Buffer): number {
  const { pixels: p, width: w, height: h } = thumbnail(jpeg);
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const l = p[i - 1]! + p[i + 1]! + p[i - w]! + p[i + w]! - 4 * p[i]!;
      sum += l;
      sumSq += l * l;
      n++;
    }
  }
  return n ? sumSq / n - (sum / n) ** 2 : 0;
}
