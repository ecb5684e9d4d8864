/**
 * RNNoise with its one hot function in WebAssembly SIMD. The npm package's
 * build is scalar, and 83% of its time goes to compute_linear_c (profiled:
 * the recurrent layers' int8 matrix products, one multiply-add at a time).
 * assets/rnnoise/int8-linear.wat does that product eight rows by four
 * columns at a time; here it is spliced into the package's module, behind a
 * small dispatcher in place of compute_linear_c: layers with int8 weights go to
 * the SIMD kernel, any other layer to the original body, kept as a new function.
 *
 * The splice is tied to the exact bytes it was worked out on (the build in
 * @shiguredo/rnnoise-wasm 2025.1.5, checked by SHA-256): any other build runs
 * as shipped.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { u32Leb, wasmFunctions, withFunctions } from './wasm-function-swap';

/** The package build the splice was worked out on. */
export const RNNOISE_WASM_SHA256 = 'b3b67c9eae8f0791aad468c708659e0850bb37b0fb9c8a8666f2d7b0b6869bc4';
/** compute_linear_c's function index in that build (the disassembly shows its LinearLayer reads). */
const LINEAR_FUNCTION = 51;
/** LinearLayer's weights (int8) and float_weights pointers. */
const LAYER_WEIGHTS = 8;
const LAYER_FLOAT_WEIGHTS = 12;

/** assets/rnnoise (from dist/src/audio or src/audio). */
export function defaultKernelFile(): string {
  return resolve(__dirname, __dirname.includes('/dist/') ? '../../../assets/rnnoise' : '../../assets/rnnoise', 'int8-linear.wasm');
}

/** Why a module cannot take the kernel, or null when it can. */
export function simdUnfit(host: Uint8Array): string | null {
  const sha = createHash('sha256').update(host).digest('hex');
  return sha === RNNOISE_WASM_SHA256 ? null : `RNNoise build ${sha.slice(0, 12)} is not the one the SIMD kernel was fitted to`;
}

/**
 * The RNNoise module with compute_linear_c dispatching to the SIMD kernel.
 * `kernel` is int8-linear.wasm: one function, whose global 0 and memory 0 are
 * the host's stack pointer and memory (so its body reads the same there).
 */
export function withSimdLinear(host: Uint8Array, kernel: Uint8Array = readFileSync(defaultKernelFile())): Uint8Array {
  const unfit = simdUnfit(host);
  if (unfit) throw new Error(unfit);
  const fns = wasmFunctions(host);
  const k = wasmFunctions(kernel);
  if (k.bodies.length !== 1) throw new Error(`SIMD kernel module must hold one function, it holds ${k.bodies.length}`);
  const at = LINEAR_FUNCTION - fns.imported;
  const type = fns.types[at]!;
  const simd = fns.imported + fns.bodies.length;
  const original = simd + 1;
  const args = [0x20, 0x00, 0x20, 0x01, 0x20, 0x02];
  // if (!layer->float_weights && layer->weights) simd(layer, out, in); else original(layer, out, in);
  const dispatcher = Uint8Array.from([
    0x00, // no locals
    0x20, 0x00, 0x28, 0x02, LAYER_FLOAT_WEIGHTS, 0x45, // local.get 0; i32.load offset; i32.eqz
    0x20, 0x00, 0x28, 0x02, LAYER_WEIGHTS, 0x41, 0x00, 0x47, // local.get 0; i32.load offset; i32.const 0; i32.ne
    0x71, // i32.and
    0x04, 0x40, ...args, 0x10, ...u32Leb(simd), // if; call simd
    0x05, ...args, 0x10, ...u32Leb(original), // else; call original
    0x0b, 0x0b, // end if; end function
  ]);
  return withFunctions(
    host,
    new Map([[at, dispatcher]]),
    [
      { type, body: k.bodies[0]! },
      { type, body: fns.bodies[at]! },
    ],
  );
}
