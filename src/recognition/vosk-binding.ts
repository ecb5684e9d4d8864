/**
 * A small koffi binding of libvosk's C API (vosk_api.h). The `vosk` npm
 * package's own binding needs ffi-napi, which no longer builds on current
 * Node; its tarball still ships libvosk.so for linux x86_64, and the installer
 * puts the aarch64 build on the Pi.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import koffi from 'koffi';
import { RecogniserError } from './recogniser';

/** Opaque handles: the library owns them, we only pass them back. */
export type VoskModelHandle = { readonly __brand: 'VoskModel' };
export type VoskRecognizerHandle = { readonly __brand: 'VoskRecognizer' };

export interface VoskApi {
  readonly path: string;
  setLogLevel(level: number): void;
  modelNew(dir: string): VoskModelHandle | null;
  modelFree(model: VoskModelHandle): void;
  /** The word's symbol id in the model's vocabulary, or -1. */
  modelFindWord(model: VoskModelHandle, word: string): number;
  recognizerNew(model: VoskModelHandle, sampleRate: number): VoskRecognizerHandle | null;
  recognizerNewGrm(model: VoskModelHandle, sampleRate: number, grammarJson: string): VoskRecognizerHandle | null;
  setWords(rec: VoskRecognizerHandle, on: boolean): void;
  setPartialWords(rec: VoskRecognizerHandle, on: boolean): void;
  /** 1 when an utterance ended (read result()), 0 otherwise, -1 on error. */
  acceptWaveform(rec: VoskRecognizerHandle, pcm: Buffer): number;
  result(rec: VoskRecognizerHandle): string;
  partialResult(rec: VoskRecognizerHandle): string;
  finalResult(rec: VoskRecognizerHandle): string;
  reset(rec: VoskRecognizerHandle): void;
  recognizerFree(rec: VoskRecognizerHandle): void;
}

/** Where libvosk is looked for, first match wins. */
export function libvoskCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  const out: string[] = [];
  if (env.SNAPASK_LIBVOSK) out.push(env.SNAPASK_LIBVOSK);
  try {
    out.push(join(require.resolve('vosk/package.json').replace(/package\.json$/, ''), 'lib', `linux-${arch}`, 'libvosk.so'));
  } catch {
    // the vosk package is not installed (a device install carries its own library)
  }
  out.push('/usr/local/lib/libvosk.so', '/usr/lib/libvosk.so');
  return out;
}

const cache = new Map<string, VoskApi>();

export function loadVosk(libPath?: string): VoskApi {
  const path = libPath ?? libvoskCandidates().find((p) => existsSync(p));
  if (!path) throw new RecogniserError(`libvosk.so not found (looked in ${libvoskCandidates().join(', ')}); set SNAPASK_LIBVOSK or run the installer`);
  const cached = cache.get(path);
  if (cached) return cached;
  if (!existsSync(path)) throw new RecogniserError(`libvosk not found: ${path}`);
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(path);
  } catch (e) {
    throw new RecogniserError(`cannot load libvosk from ${path}: ${(e as Error).message}`);
  }
  // Opaque handles as plain pointers: koffi's type names are process-wide, and test runners load this module
  // more than once per process (a named type would then be a duplicate).
  const fn = {
    setLogLevel: lib.func('void vosk_set_log_level(int log_level)'),
    modelNew: lib.func('void *vosk_model_new(const char *model_path)'),
    modelFree: lib.func('void vosk_model_free(void *model)'),
    modelFindWord: lib.func('int vosk_model_find_word(void *model, const char *word)'),
    recognizerNew: lib.func('void *vosk_recognizer_new(void *model, float sample_rate)'),
    recognizerNewGrm: lib.func('void *vosk_recognizer_new_grm(void *model, float sample_rate, const char *grammar)'),
    setWords: lib.func('void vosk_recognizer_set_words(void *recognizer, int words)'),
    setPartialWords: lib.func('void vosk_recognizer_set_partial_words(void *recognizer, int partial_words)'),
    // The `const char *data, int length` variant, given a Buffer as raw bytes (not a string).
    acceptWaveform: lib.func('int vosk_recognizer_accept_waveform(void *recognizer, const void *data, int length)'),
    result: lib.func('const char *vosk_recognizer_result(void *recognizer)'),
    partialResult: lib.func('const char *vosk_recognizer_partial_result(void *recognizer)'),
    finalResult: lib.func('const char *vosk_recognizer_final_result(void *recognizer)'),
    reset: lib.func('void vosk_recognizer_reset(void *recognizer)'),
    recognizerFree: lib.func('void vosk_recognizer_free(void *recognizer)'),
  };
  const api: VoskApi = {
    path,
    setLogLevel: (l) => fn.setLogLevel(l),
    modelNew: (d) => (fn.modelNew(d) as VoskModelHandle | null) ?? null,
    modelFree: (m) => fn.modelFree(m),
    modelFindWord: (m, w) => fn.modelFindWord(m, w) as number,
    recognizerNew: (m, r) => (fn.recognizerNew(m, r) as VoskRecognizerHandle | null) ?? null,
    recognizerNewGrm: (m, r, g) => (fn.recognizerNewGrm(m, r, g) as VoskRecognizerHandle | null) ?? null,
    setWords: (r, on) => fn.setWords(r, on ? 1 : 0),
    setPartialWords: (r, on) => fn.setPartialWords(r, on ? 1 : 0),
    acceptWaveform: (r, pcm) => fn.acceptWaveform(r, pcm, pcm.length) as number,
    result: (r) => fn.result(r) as string,
    partialResult: (r) => fn.partialResult(r) as string,
    finalResult: (r) => fn.finalResult(r) as string,
    reset: (r) => fn.reset(r),
    recognizerFree: (r) => fn.recognizerFree(r),
  };
  cache.set(path, api);
  return api;
}
