/**
 * RNNoise (Xiph's recurrent-network noise suppressor, trained on speech in
 * many kinds of real noise) as WebAssembly: the build the npm package
 * @shiguredo/rnnoise-wasm ships, its current model compiled in. That package's
 * loader only runs in a browser, so its wasm is instantiated here directly and
 * called through RNNoise's C API (rnnoise_create, rnnoise_process_frame:
 * 480-sample frames at 48 kHz, floats on the 16-bit scale). Nothing native to
 * build: the same bytes run on x86 and on the Pi's arm64.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withSimdLinear } from './rnnoise-simd';

/** RNNoise's frame: 10 ms at 48 kHz. */
export const RNNOISE_FRAME = 480;
/** Its output lags its input by two frames (measured by cross-correlation; test/audio/rnnoise-suppressor.test.ts holds it). */
export const RNNOISE_DELAY_48K = 2 * RNNOISE_FRAME;

const PACKAGE = '@shiguredo/rnnoise-wasm';
/** The wasm sits in the package's loader as one base64 string; a wasm module starts with "\0asm" (AGFzbQ in base64). */
const WASM_BASE64_START = '"AGFzbQ';

// The slice of the WebAssembly API used here (lib ES2023 leaves it to the DOM typings).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, (...args: number[]) => number | void>>) => { exports: unknown };
};

interface RnnoiseExports {
  memory: WasmMemory;
  __wasm_call_ctors?: () => void;
  malloc(bytes: number): number;
  free(ptr: number): void;
  rnnoise_get_frame_size(): number;
  rnnoise_create(model: number): number;
  rnnoise_destroy(st: number): void;
  rnnoise_process_frame(st: number, out: number, input: number): number;
}

/** Each build compiled and started once per process; every denoiser gets its own state in it. */
const loaded = new Map<RnnoiseBuild, RnnoiseExports>();
/** Why the SIMD build could not be had, once it was asked for and the scalar one ran instead. */
let simdFallback: string | undefined;

/** 'simd' (the default): compute_linear_c spliced with the SIMD kernel (rnnoise-simd.ts); 'scalar': the package as shipped. */
export type RnnoiseBuild = 'simd' | 'scalar';

function packageFile(): string {
  for (const dir of require.resolve.paths(PACKAGE) ?? []) {
    const file = join(dir, PACKAGE, 'dist', 'rnnoise.js');
    if (existsSync(file)) return file;
  }
  throw new Error(`${PACKAGE} not installed (npm ci)`);
}

/** The wasm module as the package ships it. */
export function shippedRnnoiseWasm(): Uint8Array {
  const file = packageFile();
  const b64 = embeddedBase64(readFileSync(file, 'utf8'));
  if (!b64) throw new Error(`${file}: no embedded RNNoise wasm found (package version changed?)`);
  return Buffer.from(b64, 'base64');
}

/**
 * The quoted base64 string that starts like a wasm module. Found by searching, not by a regular expression: a
 * match over the loader's megabytes once failed with "Maximum call stack size exceeded" on a loaded machine.
 */
export function embeddedBase64(source: string): string | undefined {
  const start = source.indexOf(WASM_BASE64_START);
  if (start < 0) return undefined;
  const end = source.indexOf('"', start + 1);
  return end < 0 ? undefined : source.slice(start + 1, end);
}

function instantiate(build: RnnoiseBuild): RnnoiseExports {
  const shipped = shippedRnnoiseWasm();
  const bytes = build === 'simd' ? withSimdLinear(shipped) : shipped;
  let memory: WasmMemory | undefined;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: {
      __assert_fail: () => {
        throw new Error('RNNoise: assertion failed');
      },
      // malloc asks for more memory: grow to the size it names (bytes).
      emscripten_resize_heap: (bytes: number) => {
        const more = Math.ceil((bytes - memory!.buffer.byteLength) / 65536);
        if (more > 0) memory!.grow(more);
        return 1;
      },
    },
    // Only a debug print could reach it.
    wasi_snapshot_preview1: { fd_write: () => 0 },
  });
  const e = instance.exports as unknown as RnnoiseExports;
  memory = e.memory;
  e.__wasm_call_ctors?.();
  if (e.rnnoise_get_frame_size() !== RNNOISE_FRAME) throw new Error(`RNNoise frame is ${e.rnnoise_get_frame_size()} samples, ${RNNOISE_FRAME} expected`);
  return e;
}

/**
 * The build asked for, or the scalar one when the SIMD one cannot be had (another package
 * build, no SIMD in this runtime, the kernel file missing): slower, never wrong.
 */
function rnnoise(build: RnnoiseBuild): { api: RnnoiseExports; build: RnnoiseBuild } {
  const have = loaded.get(build);
  if (have) return { api: have, build };
  if (build === 'simd' && simdFallback === undefined) {
    try {
      const api = instantiate('simd');
      loaded.set('simd', api);
      return { api, build };
    } catch (e) {
      simdFallback = e instanceof Error ? e.message : String(e);
    }
  }
  const api = loaded.get('scalar') ?? instantiate('scalar');
  loaded.set('scalar', api);
  return { api, build: 'scalar' };
}

/** Why RNNoise runs scalar though SIMD was asked for (for the log at start), or undefined. */
export function rnnoiseSimdFallback(): string | undefined {
  return simdFallback;
}

/** One stream's denoiser: 480-sample frames at 48 kHz, in place, two frames late (RNNOISE_DELAY_48K). */
export class RnnoiseDenoiser {
  private st: number;
  private readonly buf: number;
  private readonly api: RnnoiseExports;
  /** The build this denoiser runs on (the scalar one if SIMD was asked for and could not be had). */
  readonly build: RnnoiseBuild;

  constructor(build: RnnoiseBuild = 'simd') {
    ({ api: this.api, build: this.build } = rnnoise(build));
    this.st = this.api.rnnoise_create(0);
    this.buf = this.api.malloc(RNNOISE_FRAME * 4);
    if (!this.st || !this.buf) throw new Error('rnnoise_create failed');
  }

  /** Denoises one frame in place; returns RNNoise's voice probability for it (0 to 1). */
  process(frame: Float32Array): number {
    if (!this.st) throw new Error('RnnoiseDenoiser used after close()');
    if (frame.length !== RNNOISE_FRAME) throw new RangeError(`frame must hold ${RNNOISE_FRAME} samples, got ${frame.length}`);
    // The heap view is taken per call: a grown memory detaches the old one.
    const heap = new Float32Array(this.api.memory.buffer, this.buf, RNNOISE_FRAME);
    heap.set(frame);
    const vad = this.api.rnnoise_process_frame(this.st, this.buf, this.buf);
    frame.set(new Float32Array(this.api.memory.buffer, this.buf, RNNOISE_FRAME));
    return vad;
  }

  close(): void {
    if (!this.st) return;
    this.api.rnnoise_destroy(this.st);
    this.api.free(this.buf);
    this.st = 0;
  }
}
