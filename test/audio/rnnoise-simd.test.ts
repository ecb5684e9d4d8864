import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { embeddedBase64, RNNOISE_FRAME, RnnoiseDenoiser, shippedRnnoiseWasm } from '../../src/audio/rnnoise';
import { defaultKernelFile, RNNOISE_WASM_SHA256, simdUnfit, withSimdLinear } from '../../src/audio/rnnoise-simd';
import { Upsampler3x } from '../../src/audio/resample-3x';
import { u32Leb, wasmFunctions, withFunctions, WasmFormatError } from '../../src/audio/wasm-function-swap';
import { synthesise } from '../support/speech';

/** A module built here from text with wat2wasm (Debian's wabt). */
function watModule(wat: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'snapask-wat-'));
  try {
    const src = join(dir, 'm.wat');
    writeFileSync(src, wat);
    execFileSync('wat2wasm', [src, '-o', join(dir, 'm.wasm')]);
    return readFileSync(join(dir, 'm.wasm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Fn = (x: number) => number;
// The slice of the WebAssembly API used here (lib ES2023 leaves it to the DOM typings).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, Fn>>) => { exports: unknown };
};

describe('wasm function swap', () => {
  const wat = `(module
    (import "env" "f" (func $imp (param i32) (result i32)))
    (func $double (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
    (func $triple (export "triple") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))`;
  const imports = { env: { f: (x: number) => x } };
  const inst = (bytes: Uint8Array): Record<string, Fn> => new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports as Record<string, Fn>;

  it('reads the functions: imports counted, each body with its type', () => {
    const fns = wasmFunctions(watModule(wat));
    expect(fns.imported).toBe(1);
    expect(fns.types).toEqual([0, 0]); // the import's signature, shared
    expect(fns.bodies).toHaveLength(2);
  });

  it('swaps a body and appends functions without moving any index: exports and calls still land where they did', () => {
    const bytes = watModule(wat);
    const fns = wasmFunctions(bytes);
    // double's new body calls the appended function (index 1 import + 2 defined = 3): x * 3 + 1000
    const callAppended = Uint8Array.from([0x00, 0x20, 0x00, 0x10, ...u32Leb(3), 0x41, ...[0xe8, 0x07], 0x6a, 0x0b]);
    const swapped = withFunctions(bytes, new Map([[0, callAppended]]), [{ type: fns.types[1]!, body: fns.bodies[1]! }]);
    const e = inst(swapped);
    expect(e.double!(7)).toBe(1021);
    expect(e.triple!(7)).toBe(21);
    expect(inst(bytes).double!(7)).toBe(14); // the input is left as it was
  });

  it('refuses what is not a module, a truncated one and a position with no function', () => {
    const bytes = watModule(wat);
    expect(() => wasmFunctions(Uint8Array.from([1, 2, 3]))).toThrow(WasmFormatError);
    expect(() => wasmFunctions(bytes.subarray(0, bytes.length - 3))).toThrow(/unexpected end/);
    expect(() => withFunctions(bytes, new Map([[5, new Uint8Array([0, 0x0b])]]), [])).toThrow(/no defined function at 5/);
  });

  it('writes LEB128 as the format does', () => {
    expect(u32Leb(0)).toEqual([0]);
    expect(u32Leb(127)).toEqual([127]);
    expect(u32Leb(128)).toEqual([0x80, 0x01]);
    expect(u32Leb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(() => u32Leb(-1)).toThrow(RangeError);
  });
});

describe('RNNoise with the SIMD linear layer', () => {
  it('the shipped kernel is what wat2wasm makes of its source', () => {
    const wat = readFileSync(defaultKernelFile().replace(/\.wasm$/, '.wat'), 'utf8');
    expect(Buffer.from(watModule(wat)).equals(readFileSync(defaultKernelFile()))).toBe(true);
  });

  it('finds the module in the loader by searching: the quoted base64 that starts like wasm, nothing when absent', () => {
    const b64 = `AGFzbQ${'A'.repeat(5_000_000)}==`;
    expect(embeddedBase64(`var a = "x"; var w = "${b64}"; var z = "AGF";`)).toBe(b64);
    expect(embeddedBase64('var a = "AGF"; no module here')).toBeUndefined();
    expect(embeddedBase64('cut short: "AGFzbQAAAA')).toBeUndefined();
    expect(Buffer.from(shippedRnnoiseWasm().subarray(0, 4)).toString('latin1')).toBe('\0asm');
  });

  it('fits the installed package build, and no other', () => {
    const shipped = shippedRnnoiseWasm();
    expect(simdUnfit(shipped)).toBeNull();
    const other = Uint8Array.from(shipped);
    other[other.length - 1] ^= 1;
    expect(simdUnfit(other)).toMatch(/not the one the SIMD kernel was fitted to/);
    expect(() => withSimdLinear(other)).toThrow(/not the one/);
    expect(RNNOISE_WASM_SHA256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('denoises speech in noise to the same samples and voice probabilities as the package build, bit for bit', async () => {
    const speech = await synthesise([{ silence: 0.3 }, { text: 'take a snapshot of the garden and then reply' }, { silence: 0.3 }], { engine: 'flite', voice: 'kal' });
    const noise = execFileSync('sox', ['-q', '-R', '-n', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-', 'synth', '4', 'pinknoise', 'gain', '-25']);
    const n = Math.min(speech.pcm.length, noise.length) >> 1;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = speech.pcm.readInt16LE(2 * i) + noise.readInt16LE(2 * i);
    const wide = new Float32Array(3 * n);
    new Upsampler3x().process(x, wide);
    const scalar = new RnnoiseDenoiser('scalar');
    const simd = new RnnoiseDenoiser('simd');
    expect([scalar.build, simd.build]).toEqual(['scalar', 'simd']);
    let frames = 0;
    let differing = 0;
    let voiced = 0;
    for (let at = 0; at + RNNOISE_FRAME <= wide.length; at += RNNOISE_FRAME) {
      const a = wide.slice(at, at + RNNOISE_FRAME);
      const b = a.slice();
      const va = scalar.process(a);
      const vb = simd.process(b);
      frames++;
      if (va !== vb || a.some((v, i) => v !== b[i])) differing++;
      if (va > 0.5) voiced++;
    }
    scalar.close();
    simd.close();
    expect(frames).toBeGreaterThan(300);
    expect(voiced).toBeGreaterThan(50); // the network ran on speech, not only on noise
    expect(differing).toBe(0);
  });

  it('without its kernel file, runs the package build and the service says so at start (a real process, a copy of dist/ with no assets/)', () => {
    const script = `
      const { createRecogniser } = require('./dist/src/recognition/create-recogniser');
      const { commandRules } = require('./dist/src/recognition/command-words');
      const { RnnoiseDenoiser } = require('./dist/src/audio/rnnoise');
      const warnings = [];
      const rules = commandRules({ snapshot: 'snapshot', reply: 'reply', cancel: 'cancel', stop: 'stop' });
      createRecogniser({ engine: 'pocketsphinx' }, rules, { transcribe: false, warn: (m) => warnings.push(m) }).close();
      console.log(JSON.stringify({ build: new RnnoiseDenoiser().build, warnings }));`;
    const out = runInServiceCopy<{ build: string; warnings: string[] }>({ assets: false }, script);
    expect(out.build).toBe('scalar');
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toMatch(/^RNNoise runs without SIMD \(about four times the CPU\): .*ENOENT.*int8-linear\.wasm/);
  });

  it('without the RNNoise package at all, speexdsp suppresses noise, the service says so once, and commands are still heard (a real process)', async () => {
    const speech = await synthesise([{ silence: 1 }, { text: 'look at this' }, { silence: 0.4 }, { text: 'snapshot' }, { silence: 1.2 }], { engine: 'flite', voice: 'slt' });
    const script = `
      const fs = require('node:fs');
      const { createRecogniser } = require('./dist/src/recognition/create-recogniser');
      const { commandRules } = require('./dist/src/recognition/command-words');
      const warnings = [];
      const rules = commandRules({ snapshot: 'snapshot', reply: 'reply', cancel: 'cancel', stop: 'stop' });
      const rec = createRecogniser({ engine: 'pocketsphinx' }, rules, { transcribe: false, warn: (m) => warnings.push(m) });
      const pcm = fs.readFileSync('speech.raw');
      const words = [];
      for (let at = 0; at < pcm.length; at += 3200) {
        for (const e of rec.accept({ pcm: pcm.subarray(at, at + 3200), t: at / 32000 })) if (e.type === 'keyword') words.push(e.word);
      }
      for (const e of rec.flush()) if (e.type === 'keyword') words.push(e.word);
      rec.close();
      console.log(JSON.stringify({ warnings, words }));`;
    const out = runInServiceCopy<{ warnings: string[]; words: string[] }>({ assets: true, withoutPackage: '@shiguredo', files: { 'speech.raw': speech.pcm } }, script);
    expect(out.warnings).toEqual(['RNNoise off, speexdsp suppresses noise instead: @shiguredo/rnnoise-wasm not installed (npm ci)']);
    expect(out.words).toEqual(['snapshot']);
  }, 60_000);
});

/**
 * Runs `script` with node in a throwaway copy of the built service (dist/src, and assets/ if asked), its
 * node_modules the project's, less `withoutPackage` if named, with `files` beside it; returns what it prints, as JSON.
 */
function runInServiceCopy<T>(o: { assets: boolean; withoutPackage?: string; files?: Record<string, Buffer> }, script: string): T {
  const root = mkdtempSync(join(tmpdir(), 'snapask-copy-'));
  try {
    const project = resolve(__dirname, '../../..');
    mkdirSync(join(root, 'dist'));
    cpSync(join(project, 'dist/src'), join(root, 'dist/src'), { recursive: true });
    if (o.assets) cpSync(join(project, 'assets'), join(root, 'assets'), { recursive: true });
    if (o.withoutPackage) {
      mkdirSync(join(root, 'node_modules'));
      for (const name of readdirSync(join(project, 'node_modules'))) {
        if (name !== o.withoutPackage) symlinkSync(join(project, 'node_modules', name), join(root, 'node_modules', name));
      }
    } else {
      symlinkSync(join(project, 'node_modules'), join(root, 'node_modules'));
    }
    for (const [name, bytes] of Object.entries(o.files ?? {})) writeFileSync(join(root, name), bytes);
    return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as T;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
