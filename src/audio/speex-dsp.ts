/**
 * A small koffi binding of libspeexdsp (Debian's libspeexdsp1, also on
 * Raspberry Pi OS): its noise suppressor and its acoustic echo canceller, the
 * same ones PulseAudio and many VoIP phones use. Signatures follow
 * /usr/include/speex/speex_{preprocess,echo}.h (spx_int16_t = int16_t,
 * spx_int32_t = int32_t).
 */
import koffi from 'koffi';

export const SPEEXDSP_SONAME = 'libspeexdsp.so.1';

type Ptr = bigint | null;

interface SpeexApi {
  speex_preprocess_state_init(frameSize: number, rate: number): Ptr;
  speex_preprocess_state_destroy(st: Ptr): void;
  speex_preprocess_run(st: Ptr, x: Int16Array): number;
  speex_preprocess_ctl(st: Ptr, request: number, value: Int32Array): number;
  speex_preprocess_ctl_ptr(st: Ptr, request: number, value: Ptr): number;
  speex_echo_state_init(frameSize: number, filterLength: number): Ptr;
  speex_echo_state_destroy(st: Ptr): void;
  speex_echo_cancellation(st: Ptr, rec: Int16Array, play: Int16Array, out: Int16Array): void;
  speex_echo_ctl(st: Ptr, request: number, value: Int32Array): number;
}

// speex_preprocess.h / speex_echo.h request codes.
const PREPROCESS_SET_DENOISE = 0;
const PREPROCESS_SET_AGC = 2;
const PREPROCESS_SET_VAD = 4;
const PREPROCESS_SET_DEREVERB = 8;
const PREPROCESS_SET_NOISE_SUPPRESS = 18;
const PREPROCESS_SET_ECHO_SUPPRESS = 20;
const PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE = 22;
const PREPROCESS_SET_ECHO_STATE = 24;
const ECHO_SET_SAMPLING_RATE = 24;

let api: SpeexApi | undefined;

/** The library, loaded once; a missing library is one clear error. */
export function speexApi(): SpeexApi {
  if (api) return api;
  let lib;
  try {
    lib = koffi.load(SPEEXDSP_SONAME);
  } catch (e) {
    throw new Error(`${SPEEXDSP_SONAME} not found (install Debian's libspeexdsp1): ${(e as Error).message.split('\n')[0]}`);
  }
  const f = (proto: string) => lib.func(proto);
  const ctl = f('int speex_preprocess_ctl(void *st, int request, _Inout_ int32_t *value)');
  api = {
    speex_preprocess_state_init: f('void *speex_preprocess_state_init(int frame_size, int sampling_rate)'),
    speex_preprocess_state_destroy: f('void speex_preprocess_state_destroy(void *st)'),
    speex_preprocess_run: f('int speex_preprocess_run(void *st, _Inout_ int16_t *x)'),
    speex_preprocess_ctl: ctl,
    speex_preprocess_ctl_ptr: lib.func('speex_preprocess_ctl', 'int', ['void *', 'int', 'void *']),
    speex_echo_state_init: f('void *speex_echo_state_init(int frame_size, int filter_length)'),
    speex_echo_state_destroy: f('void speex_echo_state_destroy(void *st)'),
    speex_echo_cancellation: f('void speex_echo_cancellation(void *st, const int16_t *rec, const int16_t *play, _Out_ int16_t *out)'),
    speex_echo_ctl: f('int speex_echo_ctl(void *st, int request, _Inout_ int32_t *value)'),
  } as SpeexApi;
  return api;
}

export interface NoiseSuppressorOptions {
  sampleRate: number;
  /** Samples per processing frame (speexdsp works best on 10 to 20 ms). */
  frameSamples: number;
  /** Maximum attenuation of noise, in dB (negative; speexdsp's default is -15); 0 turns noise suppression off. */
  suppressDb?: number;
  /** Residual echo suppression with this canceller's state (see EchoCanceller). */
  echo?: EchoCanceller;
}

/**
 * speexdsp's preprocessor as a stationary-noise suppressor (no AGC, no VAD, no
 * dereverberation: level changes would confuse the recogniser's own level
 * rules). It works in place on whole frames.
 */
export class NoiseSuppressor {
  readonly frameSamples: number;
  private st: Ptr;

  constructor(o: NoiseSuppressorOptions) {
    const a = speexApi();
    this.frameSamples = o.frameSamples;
    this.st = a.speex_preprocess_state_init(o.frameSamples, o.sampleRate);
    if (!this.st) throw new Error('speex_preprocess_state_init failed');
    const set = (req: number, v: number): void => void a.speex_preprocess_ctl(this.st, req, Int32Array.of(v));
    const suppressDb = Math.round(o.suppressDb ?? -15);
    set(PREPROCESS_SET_DENOISE, suppressDb < 0 ? 1 : 0);
    set(PREPROCESS_SET_AGC, 0);
    set(PREPROCESS_SET_DEREVERB, 0);
    if (suppressDb < 0) set(PREPROCESS_SET_NOISE_SUPPRESS, suppressDb);
    if (o.echo) {
      a.speex_preprocess_ctl_ptr(this.st, PREPROCESS_SET_ECHO_STATE, o.echo.handle);
      set(PREPROCESS_SET_ECHO_SUPPRESS, -40);
      set(PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE, -15);
    }
  }

  /** Suppresses noise in one frame of exactly frameSamples samples, in place. */
  run(frame: Int16Array): void {
    if (!this.st) throw new Error('NoiseSuppressor used after close()');
    if (frame.length !== this.frameSamples) throw new RangeError(`frame must hold ${this.frameSamples} samples, got ${frame.length}`);
    speexApi().speex_preprocess_run(this.st, frame);
  }

  close(): void {
    if (this.st) speexApi().speex_preprocess_state_destroy(this.st);
    this.st = null;
  }
}

/**
 * speexdsp's acoustic echo canceller: removes what the speaker played (the
 * reference) from what the microphone heard, with an adaptive filter as long
 * as the echo path (the room's reverberation and the sound card's latency).
 */
export class EchoCanceller {
  readonly frameSamples: number;
  private st: Ptr;

  constructor(o: { sampleRate: number; frameSamples: number; tailSamples: number }) {
    const a = speexApi();
    this.frameSamples = o.frameSamples;
    this.st = a.speex_echo_state_init(o.frameSamples, o.tailSamples);
    if (!this.st) throw new Error('speex_echo_state_init failed');
    a.speex_echo_ctl(this.st, ECHO_SET_SAMPLING_RATE, Int32Array.of(o.sampleRate));
  }

  /** The native state, for the preprocessor's residual echo suppression. */
  get handle(): Ptr {
    return this.st;
  }

  /** The microphone frame with the echo of `played` (the same instant's reference frame) taken out. */
  cancel(mic: Int16Array, played: Int16Array, out: Int16Array): void {
    if (!this.st) throw new Error('EchoCanceller used after close()');
    if (mic.length !== this.frameSamples || played.length !== this.frameSamples || out.length !== this.frameSamples) {
      throw new RangeError(`frames must hold ${this.frameSamples} samples`);
    }
    speexApi().speex_echo_cancellation(this.st, mic, played, out);
  }

  close(): void {
    if (this.st) speexApi().speex_echo_state_destroy(this.st);
    this.st = null;
  }
}
