/**
 * A small koffi binding of the PocketSphinx 5prealpha C API (Debian's
 * libpocketsphinx3 / libsphinxbase3): just what a streaming decoder needs.
 * Signatures follow /usr/include/pocketsphinx/{pocketsphinx,ps_search}.h and
 * /usr/include/<triplet>/sphinxbase/{cmd_ln,err,ckd_alloc,feat,cmn}.h.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { RecogniserError } from './recogniser';

export const POCKETSPHINX_SONAME = 'libpocketsphinx.so.3';
export const SPHINXBASE_SONAME = 'libsphinxbase.so.3';

type Ptr = bigint | null;

interface PsApi {
  err_set_logfp(fp: Ptr): void;
  cmd_ln_init(inout: Ptr, defn: Ptr, strict: number, ...va: unknown[]): Ptr;
  cmd_ln_free_r(cmdln: Ptr): number;
  ckd_free(p: Ptr): void;
  ps_args(): Ptr;
  ps_init(config: Ptr): Ptr;
  ps_free(ps: Ptr): number;
  ps_lookup_word(ps: Ptr, word: string): Ptr;
  ps_add_word(ps: Ptr, word: string, phones: string, update: number): number;
  ps_set_kws(ps: Ptr, name: string, keyfile: string): number;
  ps_set_keyphrase(ps: Ptr, name: string, keyphrase: string): number;
  ps_set_lm_file(ps: Ptr, name: string, path: string): number;
  ps_set_search(ps: Ptr, name: string): number;
  ps_start_stream(ps: Ptr): number;
  ps_start_utt(ps: Ptr): number;
  ps_process_raw(ps: Ptr, data: Buffer, nSamples: number, noSearch: number, fullUtt: number): number;
  ps_get_in_speech(ps: Ptr): number;
  ps_end_utt(ps: Ptr): number;
  ps_get_hyp(ps: Ptr, outScore: Ptr): string | null;
  ps_seg_iter(ps: Ptr): Ptr;
  ps_seg_next(seg: Ptr): Ptr;
  ps_seg_word(seg: Ptr): string | null;
  ps_seg_frames(seg: Ptr, outSf: number[], outEf: number[]): void;
  ps_seg_free(seg: Ptr): void;
  ps_seg_prob(seg: Ptr, outAscr: Ptr, outLscr: Ptr, outLback: Ptr): number;
  ps_get_n_frames(ps: Ptr): number;
  ps_get_feat(ps: Ptr): Ptr;
  cmn_live_set(cmn: Ptr, vec: Float32Array): void;
}

let api: PsApi | undefined;
let names: Set<string> | undefined;

/** sphinxbase's arg_t, the element type of the table ps_args() returns (ends with a NULL name). */
const ArgDef = koffi.struct({ name: 'const char *', type: 'int', deflt: 'const char *', doc: 'const char *' });

/**
 * sphinxbase's feat_t and cmn_t (public structs of feat.h and cmn.h, mfcc_t = float in this build): what is
 * needed to read and steer the live cepstral mean normalisation. (Types stay anonymous: koffi's type names
 * are process-wide, and test runners load this module more than once per process.)
 */
const FeatT = koffi.struct({
  refcount: 'int',
  name: 'void *',
  cepsize: 'int32_t',
  n_stream: 'int32_t',
  stream_len: 'void *',
  window_size: 'int32_t',
  n_sv: 'int32_t',
  sv_len: 'void *',
  subvecs: 'void *',
  sv_buf: 'void *',
  sv_dim: 'int32_t',
  cmn: 'int',
  varnorm: 'int32_t',
  agc: 'int',
  compute_feat: 'void *',
  cmn_struct: 'void *',
});
const CmnT = koffi.struct({
  cmn_mean: 'void *',
  cmn_var: 'void *',
  sum: 'void *',
  nframe: 'int32_t',
  veclen: 'int32_t',
});

/** The live CMN state of a decoder: its current mean, and the running sum and count it updates the mean from. */
export interface CmnState {
  mean: Float32Array;
  sum: Float32Array;
  nframe: number;
}

function argumentNames(a: PsApi): Set<string> {
  if (names) return names;
  const table = a.ps_args();
  const size = koffi.sizeof(ArgDef);
  const out = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const def = koffi.decode(table, i * size, ArgDef) as { name: string | null };
    if (!def.name) break;
    out.add(def.name);
  }
  names = out;
  return out;
}

/** Loads a shared library by soname; a RecogniserError names the library and the Debian package that provides it. */
export function loadLibrary(soname: string, debPackage: string): LibraryHandle {
  try {
    // Global, so libpocketsphinx resolves its sphinxbase symbols against the same copy we call.
    return koffi.load(soname, { global: true });
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new RecogniserError(`cannot load ${soname} (${why}); install the Debian package ${debPackage}`);
  }
}

/** Loads the libraries once. Throws RecogniserError naming the library and the package to install. */
export function pocketSphinxApi(): PsApi {
  if (api) return api;
  const sb = loadLibrary(SPHINXBASE_SONAME, 'libsphinxbase3');
  const ps = loadLibrary(POCKETSPHINX_SONAME, 'libpocketsphinx3');
  const a: PsApi = {
    err_set_logfp: sb.func('void err_set_logfp(void *stream)'),
    cmd_ln_init: sb.func('void *cmd_ln_init(void *inout_cmdln, void *defn, int strict, ...)'),
    cmd_ln_free_r: sb.func('int cmd_ln_free_r(void *cmdln)'),
    ckd_free: sb.func('void ckd_free(void *ptr)'),
    ps_args: ps.func('void *ps_args(void)'),
    ps_init: ps.func('void *ps_init(void *config)'),
    ps_free: ps.func('int ps_free(void *ps)'),
    ps_lookup_word: ps.func('void *ps_lookup_word(void *ps, const char *word)'),
    ps_add_word: ps.func('int ps_add_word(void *ps, const char *word, const char *phones, int update)'),
    ps_set_kws: ps.func('int ps_set_kws(void *ps, const char *name, const char *keyfile)'),
    ps_set_keyphrase: ps.func('int ps_set_keyphrase(void *ps, const char *name, const char *keyphrase)'),
    ps_set_lm_file: ps.func('int ps_set_lm_file(void *ps, const char *name, const char *path)'),
    ps_set_search: ps.func('int ps_set_search(void *ps, const char *name)'),
    ps_start_stream: ps.func('int ps_start_stream(void *ps)'),
    ps_start_utt: ps.func('int ps_start_utt(void *ps)'),
    ps_process_raw: ps.func('int ps_process_raw(void *ps, const void *data, size_t n_samples, int no_search, int full_utt)'),
    ps_get_in_speech: ps.func('uint8_t ps_get_in_speech(void *ps)'),
    ps_end_utt: ps.func('int ps_end_utt(void *ps)'),
    ps_get_hyp: ps.func('const char *ps_get_hyp(void *ps, void *out_best_score)'),
    ps_seg_iter: ps.func('void *ps_seg_iter(void *ps)'),
    ps_seg_next: ps.func('void *ps_seg_next(void *seg)'),
    ps_seg_word: ps.func('const char *ps_seg_word(void *seg)'),
    ps_seg_frames: ps.func('void ps_seg_frames(void *seg, _Out_ int *out_sf, _Out_ int *out_ef)'),
    ps_seg_free: ps.func('void ps_seg_free(void *seg)'),
    ps_seg_prob: ps.func('int32_t ps_seg_prob(void *seg, void *out_ascr, void *out_lscr, void *out_lback)'),
    ps_get_n_frames: ps.func('int ps_get_n_frames(void *ps)'),
    ps_get_feat: ps.func('void *ps_get_feat(void *ps)'),
    cmn_live_set: sb.func('void cmn_live_set(void *cmn, const float *vec)'),
  };
  // Silence the library's logging to stderr process-wide (each decoder also gets -logfn /dev/null).
  a.err_set_logfp(null);
  api = a;
  return a;
}

/** One word of a hypothesis; frames are 10 ms, counted from the decoder's stream start. */
export interface PsSegment {
  word: string;
  startFrame: number;
  endFrame: number;
  /**
   * ps_seg_prob. For a keyword-spotting detection this 5prealpha build stores
   * (keyword path score - best phone-loop score) - KWS_MAX, in the decoder's log
   * units (log base 1.0001, shifted right by 10); see kwsScoreToThreshold.
   */
  prob: number;
}

/** The constant the 5prealpha kws search subtracts from a detection's score before storing it as its prob. */
export const KWS_PROB_OFFSET = 1500;

/**
 * Converts a kws detection's prob (PsSegment.prob) to the largest -kws_threshold
 * that would still have let it through: thresholds compare with the score
 * before the KWS_PROB_OFFSET subtraction (measured: a detection with prob -980
 * passes 1e23 and not 1e24).
 */
export function kwsScoreToThreshold(prob: number): number {
  return Math.exp((prob + KWS_PROB_OFFSET) * 1024 * Math.log(1.0001));
}

export type PsArgs = Record<string, string | number | boolean>;

function argValue(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/** A PocketSphinx decoder (ps_decoder_t). Not thread-safe; free it with `free()`. */
export class PsDecoder {
  private ps: Ptr;
  private readonly api: PsApi;

  private constructor(a: PsApi, ps: Ptr) {
    this.api = a;
    this.ps = ps;
  }

  /**
   * Creates a decoder from command-line style arguments ("-hmm": dir, ...).
   * `what` names the model in the error if the library refuses it.
   */
  static create(args: PsArgs, what: string): PsDecoder {
    const a = pocketSphinxApi();
    const known = argumentNames(a);
    // One name/value pair per call, updating the same configuration: the first call (strict) fills
    // in every default, later ones (not strict, as they replace values) only set their own option.
    // Unknown names are refused here since the non-strict calls would silently ignore them.
    let config: Ptr = null;
    for (const [k, v] of Object.entries(args)) {
      if (!known.has(k)) throw new RecogniserError(`pocketsphinx has no option ${k}`);
      const next = a.cmd_ln_init(config, a.ps_args(), config ? 0 : 1, 'const char *', k, 'const char *', argValue(v), 'const char *', null);
      if (!next) {
        if (config) a.cmd_ln_free_r(config);
        throw new RecogniserError(`pocketsphinx rejected the option ${k} ${argValue(v)} for ${what}`);
      }
      config = next;
    }
    if (!config) throw new RecogniserError(`pocketsphinx needs options for ${what}`);
    try {
      const ps = a.ps_init(config);
      if (!ps) throw new RecogniserError(`pocketsphinx could not load the model ${what}`);
      return new PsDecoder(a, ps);
    } finally {
      // ps_init keeps its own reference to the configuration.
      a.cmd_ln_free_r(config);
    }
  }

  private get handle(): Ptr {
    if (!this.ps) throw new Error('pocketsphinx decoder used after free()');
    return this.ps;
  }

  /** The pronunciation of a dictionary word ("S N AE P SH AA T"), or null if it is not in the dictionary. */
  lookupWord(word: string): string | null {
    const p = this.api.ps_lookup_word(this.handle, word);
    if (!p) return null;
    try {
      return koffi.decode(p, 'char', -1) as string;
    } finally {
      this.api.ckd_free(p);
    }
  }

  /** Adds a word to the dictionary (phones separated by spaces); `update` rebuilds the active search. */
  addWord(word: string, phones: string, update = true): void {
    if (this.api.ps_add_word(this.handle, word, phones, update ? 1 : 0) < 0) throw new RecogniserError(`pocketsphinx refused the word ${word} (${phones})`);
  }

  setKws(name: string, keyfile: string): void {
    if (this.api.ps_set_kws(this.handle, name, keyfile) < 0) throw new RecogniserError(`pocketsphinx rejected the keyword list ${keyfile}`);
  }

  setKeyphrase(name: string, phrase: string): void {
    if (this.api.ps_set_keyphrase(this.handle, name, phrase) < 0) throw new RecogniserError(`pocketsphinx rejected the keyphrase "${phrase}"`);
  }

  setLmFile(name: string, path: string): void {
    if (this.api.ps_set_lm_file(this.handle, name, path) < 0) throw new RecogniserError(`pocketsphinx could not load the language model ${path}`);
  }

  setSearch(name: string): void {
    if (this.api.ps_set_search(this.handle, name) < 0) throw new RecogniserError(`pocketsphinx has no search named ${name}`);
  }

  /** Restarts the frame count: segment frames are counted from here. */
  startStream(): void {
    this.check(this.api.ps_start_stream(this.handle), 'ps_start_stream');
  }

  startUtt(): void {
    this.check(this.api.ps_start_utt(this.handle), 'ps_start_utt');
  }

  /** Feeds S16LE mono samples; returns the number of frames searched. */
  processRaw(pcm: Buffer): number {
    if (pcm.length === 0) return 0;
    return this.check(this.api.ps_process_raw(this.handle, pcm, pcm.length >> 1, 0, 0), 'ps_process_raw');
  }

  /** The library's voice activity state (meaningful only with -remove_silence yes). */
  inSpeech(): boolean {
    return this.api.ps_get_in_speech(this.handle) !== 0;
  }

  endUtt(): void {
    this.check(this.api.ps_end_utt(this.handle), 'ps_end_utt');
  }

  hyp(): string | null {
    return this.api.ps_get_hyp(this.handle, null);
  }

  segments(): PsSegment[] {
    const out: PsSegment[] = [];
    const sf = [0];
    const ef = [0];
    for (let seg = this.api.ps_seg_iter(this.handle); seg; seg = this.api.ps_seg_next(seg)) {
      // ps_seg_next frees the iterator when it returns NULL.
      this.api.ps_seg_frames(seg, sf, ef);
      out.push({ word: this.api.ps_seg_word(seg) ?? '', startFrame: sf[0]!, endFrame: ef[0]!, prob: this.api.ps_seg_prob(seg, null, null, null) });
    }
    return out;
  }

  private cmnPtr(): Ptr {
    const feat = this.api.ps_get_feat(this.handle);
    if (!feat) throw new Error('pocketsphinx decoder has no feature computation');
    const f = koffi.decode(feat, FeatT) as { cmn_struct: Ptr; cepsize: number };
    if (!f.cmn_struct) throw new Error('pocketsphinx decoder has no live CMN');
    return f.cmn_struct;
  }

  /** Reads the live cepstral mean normalisation state (mean, running sum, frame count). */
  cmnState(): CmnState {
    const c = koffi.decode(this.cmnPtr(), CmnT) as { cmn_mean: Ptr; sum: Ptr; nframe: number; veclen: number };
    return {
      mean: Float32Array.from(koffi.decode(c.cmn_mean, 'float', c.veclen) as number[]),
      sum: Float32Array.from(koffi.decode(c.sum, 'float', c.veclen) as number[]),
      nframe: c.nframe,
    };
  }

  /** Sets the live CMN mean (the library then weighs it as 500 frames of history). */
  setCmnMean(mean: Float32Array): void {
    this.api.cmn_live_set(this.cmnPtr(), mean);
  }

  free(): void {
    if (this.ps) {
      this.api.ps_free(this.ps);
      this.ps = null;
    }
  }

  private check(rc: number, fn: string): number {
    if (rc < 0) throw new Error(`pocketsphinx ${fn} failed (${rc})`);
    return rc;
  }
}
