import { existsSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { RecogniserError } from '../recogniser';

/** A float tensor in and out of a model: its data and its shape. */
export interface FloatTensor {
  data: Float32Array;
  dims: number[];
}

interface NativeSession {
  loadModel(path: string, options: Record<string, unknown>): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: Record<string, unknown>): Record<string, { data: unknown; dims: readonly number[] }>;
  readonly outputMetadata: Array<{ name: string }>;
  dispose(): void;
}

interface OrtBinding {
  binding: {
    InferenceSession: new () => NativeSession;
    initOrtOnce(logLevel: number, tensor: new (type: string, data: unknown, dims: readonly number[]) => unknown, isMainThread: boolean): void;
  };
}

/** What the native session makes its outputs with: the fields, nothing checked (see OnnxModel.run). */
class PlainTensor {
  constructor(
    readonly type: string,
    readonly data: unknown,
    readonly dims: readonly number[],
  ) {}
}

/**
 * One ONNX model run synchronously on the CPU, one thread. The recognisers take audio in and give events
 * out in the same call (as PocketSphinx's C calls do); onnxruntime-node's native session is synchronous
 * (its public `run` only wraps it in a promise), so this uses the native session directly. The package
 * version is pinned exactly in package.json for that reason, and a test runs every shipped model.
 */
export class OnnxModel {
  private readonly session: NativeSession;
  private readonly outputs: string[];
  private static native: OrtBinding | undefined;

  constructor(readonly path: string) {
    if (!existsSync(path)) throw new RecogniserError(`model file not found: ${path} (it ships in assets/; reinstall snapask)`);
    const native = OnnxModel.load();
    this.session = new native.binding.InferenceSession();
    // One thread each: the service runs beside the camera and the speaker on a Pi's four cores.
    this.session.loadModel(path, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
    this.outputs = this.session.outputMetadata.map((m) => m.name);
  }

  /** Runs the model on named float inputs (and int64 scalars given as bigint); returns its outputs by name. */
  run(feeds: Record<string, FloatTensor | bigint>): Record<string, FloatTensor> {
    const tensors: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(feeds)) {
      // Plain tensor objects, not onnxruntime-common's Tensor: its realm check refuses typed arrays made in another
      // V8 context (jest's sandbox), and the native session reads only these fields.
      tensors[name] = typeof v === 'bigint' ? { type: 'int64', dims: [], data: BigInt64Array.of(v), location: 'cpu' } : { type: 'float32', dims: v.dims, data: v.data, location: 'cpu' };
    }
    const fetches: Record<string, null> = {};
    for (const o of this.outputs) fetches[o] = null;
    const out = this.session.run(tensors, fetches, {});
    const result: Record<string, FloatTensor> = {};
    for (const [name, t] of Object.entries(out)) result[name] = { data: t.data as Float32Array, dims: [...t.dims] };
    return result;
  }

  /** The first output. */
  run1(feeds: Record<string, FloatTensor | bigint>): FloatTensor {
    return this.run(feeds)[this.outputs[0]!]!;
  }

  close(): void {
    this.session.dispose();
  }

  private static load(): OrtBinding {
    if (!OnnxModel.native) {
      try {
        const native = require('onnxruntime-node/dist/binding') as OrtBinding;
        // Log level 3: errors only (ORT's warnings about unused initialisers are not the owner's business).
        native.binding.initOrtOnce(3, PlainTensor, isMainThread);
        OnnxModel.native = native;
      } catch (e) {
        throw new RecogniserError(`onnxruntime-node is not installed (npm ci in /opt/snapask): ${(e as Error).message.split('\n')[0]}`);
      }
    }
    return OnnxModel.native;
  }
}
