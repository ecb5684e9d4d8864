import type { AudioChunk } from '../audio/audio-source';
import { SAMPLE_RATE } from '../audio/audio-source';
import { DelayLine } from '../audio/delay-line';
import type { PlaybackReference } from '../audio/playback-reference';
import { RNNOISE_DELAY_16K, RnnoiseSuppressor } from '../audio/rnnoise-suppressor';
import { EchoCanceller, NoiseSuppressor } from '../audio/speex-dsp';
import { AudioAnalysis, FRAME_SAMPLES, analysisOf } from '../audio/audio-analysis';
import { OwnVoiceFilter } from './own-voice-filter';
import { RoomEcho } from './room-echo';
import type { Recogniser, RecognitionEvent } from './recogniser';

/** 20 ms frames: speexdsp is tuned for 10 to 20 ms. */
export const CLEAN_FRAME_SAMPLES = 320;
/** The echo canceller's tail: the room's echo and what the playback timing model gets wrong. */
export const ECHO_TAIL_SECONDS = 0.25;
/**
 * With RNNoise, the audio waits this much more: its own delay rounded up to whole 10 ms frames, so the engine's
 * frames fall on the microphone's 10 ms grid as without it (a quiet room then reads exactly as it did unsuppressed).
 */
export const RNNOISE_ALIGNED_DELAY = Math.ceil(RNNOISE_DELAY_16K / FRAME_SAMPLES) * FRAME_SAMPLES;

/** speexdsp's noise attenuation in a noisy room (measured on the tuning set at 10 dB SNR: -10 and -12 best, -20 and -30 worse). */
export const DEFAULT_NOISE_SUPPRESS_DB = -10;

/**
 * What takes the noise out of a noisy room, or `none` (the echo canceller's residual-echo suppression stays).
 * RNNoise for PocketSphinx: on the tuning set at 10 dB SNR it lets it hear 83 of 90 "snapshot" and 48 of 60
 * "reply", where speexdsp's suppressor gave 33 and 44. Each engine's default is in recogniser-settings.ts.
 */
export type NoiseSuppressorKind = 'rnnoise' | 'speex' | 'none';

/** Whether a noisy room's noise is taken out at all: a suppressor, and an attenuation (0 dB turns either off). */
export function suppresses(suppressor: NoiseSuppressorKind, suppressDb: number): boolean {
  return suppressor !== 'none' && suppressDb < 0;
}

export interface CleaningOptions {
  /** Which suppressor; RNNoise unless told. */
  suppressor?: NoiseSuppressorKind;
  /** speexdsp's maximum noise attenuation in dB (negative); 0 for no noise suppression at all (either kind). */
  suppressDb?: number;
  /** What the speaker played: its echo is cancelled from the microphone's audio. */
  echo?: PlaybackReference;
}

/**
 * Any recogniser, fed the microphone's audio cleaned: the speaker's own voice
 * taken out with speexdsp's acoustic echo canceller (so "stop" is heard over an
 * answer, and the answer does not trigger command words), and noise (a fan,
 * traffic, hiss) suppressed by RNNoise or speexdsp once the room is noisy.
 * Output is the input delayed by a fixed time (the frame held, and RNNoise's
 * own delay, quiet room or not), so every chunk passes on with as many samples
 * as it came with and its time moved back by that delay: the engine's word
 * times stay on the microphone's clock.
 */
export class CleanedRecogniser implements Recogniser {
  private readonly ns: NoiseSuppressor | null;
  private readonly aec: EchoCanceller | null;
  private readonly rnnoise: RnnoiseSuppressor | null;
  /** What RNNoise does not denoise (a quiet room) waits as long as what it does, and both to the 10 ms grid. */
  private readonly bypassDelay = new DelayLine(RNNOISE_ALIGNED_DELAY);
  private readonly denoisedDelay = new DelayLine(RNNOISE_ALIGNED_DELAY - RNNOISE_DELAY_16K);
  private readonly delaySeconds: number;
  /** Whether noise is suppressed in a noisy room (by either suppressor). */
  private readonly suppresses: boolean;
  /** Whether speexdsp is the one that suppresses it. */
  private readonly speexSuppresses: boolean;
  private input = new Int16Array(0);
  private output = new Int16Array(CLEAN_FRAME_SAMPLES);
  /** The same samples before noise suppression. */
  private rawOutput = new Int16Array(CLEAN_FRAME_SAMPLES);
  private readonly played = new Int16Array(CLEAN_FRAME_SAMPLES);
  private readonly cancelled = new Int16Array(CLEAN_FRAME_SAMPLES);
  /** The microphone's analysis when chunks come without one, and the analysis of the cleaned audio handed on. */
  private room?: AudioAnalysis;
  private readonly cleanedAnalysis = new AudioAnalysis();
  /** What the room makes of the playback (only with an echo to cancel): the reply gate reads it too. */
  readonly roomEcho: RoomEcho | null;
  /** Words that are the device's own voice are dropped. */
  readonly ownVoice: OwnVoiceFilter | null;

  constructor(
    private readonly inner: Recogniser,
    private readonly o: CleaningOptions = {},
  ) {
    this.aec = o.echo ? new EchoCanceller({ sampleRate: SAMPLE_RATE, frameSamples: CLEAN_FRAME_SAMPLES, tailSamples: Math.round(ECHO_TAIL_SECONDS * SAMPLE_RATE) }) : null;
    const suppressDb = o.suppressDb ?? DEFAULT_NOISE_SUPPRESS_DB;
    const kind = o.suppressor ?? 'rnnoise';
    this.rnnoise = kind === 'rnnoise' && suppressDb < 0 ? new RnnoiseSuppressor() : null;
    // With the canceller, speexdsp's preprocessor also takes out the residual echo, whichever suppressor takes out noise.
    this.ns =
      (kind === 'speex' && suppressDb < 0) || this.aec
        ? new NoiseSuppressor({ sampleRate: SAMPLE_RATE, frameSamples: CLEAN_FRAME_SAMPLES, suppressDb, ...(this.aec ? { echo: this.aec } : {}) })
        : null;
    this.delaySeconds = (CLEAN_FRAME_SAMPLES + (this.rnnoise ? RNNOISE_ALIGNED_DELAY : 0)) / SAMPLE_RATE;
    this.suppresses = suppresses(kind, suppressDb);
    this.speexSuppresses = kind === 'speex' && suppressDb < 0;
    this.roomEcho = o.echo && this.aec ? new RoomEcho(o.echo) : null;
    this.ownVoice = this.roomEcho ? new OwnVoiceFilter(this.roomEcho) : null;
  }

  accept(chunk: AudioChunk): RecognitionEvent[] {
    if (chunk.pcm.length % 2 !== 0) throw new RangeError('chunk PCM must hold whole 16-bit samples');
    const n = chunk.pcm.length >> 1;
    if (n === 0) return [];
    // Noise is suppressed only where there is noise to speak of: the room as the microphone's analysis judges it.
    const noisy = analysisOf(chunk, () => (this.room ??= new AudioAnalysis())).of.noisy;
    const { pcm, undenoised } = this.process(chunk, n, noisy);
    const cleaned = { pcm, t: chunk.t - this.delaySeconds, ...(undenoised ? { denoised: true, undenoised } : {}) };
    const events = this.inner.accept({ ...cleaned, analysis: this.cleanedAnalysis.push(cleaned) });
    return this.ownVoice ? this.ownVoice.filter(events) : events;
  }

  flush(): RecognitionEvent[] {
    const events = this.inner.flush();
    return this.ownVoice ? this.ownVoice.filter(events) : events;
  }

  close(): void {
    this.ns?.close();
    this.aec?.close();
    this.rnnoise?.close();
    this.inner.close();
  }

  private process(chunk: AudioChunk, n: number, noisy: boolean): { pcm: Buffer; undenoised?: Buffer } {
    const input = new Int16Array(this.input.length + n);
    input.set(this.input);
    for (let i = 0; i < n; i++) input[this.input.length + i] = chunk.pcm.readInt16LE(i * 2);
    const t0 = chunk.t - this.input.length / SAMPLE_RATE;
    const frames = Math.floor(input.length / CLEAN_FRAME_SAMPLES);
    const done = new Int16Array(this.output.length + frames * CLEAN_FRAME_SAMPLES);
    const raw = new Int16Array(done.length);
    done.set(this.output);
    raw.set(this.rawOutput);
    for (let k = 0; k < frames; k++) {
      const frame = input.slice(k * CLEAN_FRAME_SAMPLES, (k + 1) * CLEAN_FRAME_SAMPLES);
      const at = this.output.length + k * CLEAN_FRAME_SAMPLES;
      const cleaned = this.clean(frame, t0 + (k * CLEAN_FRAME_SAMPLES) / SAMPLE_RATE, noisy);
      done.set(cleaned.out, at);
      raw.set(cleaned.undenoised, at);
    }
    this.input = input.slice(frames * CLEAN_FRAME_SAMPLES);
    this.output = done.slice(n);
    this.rawOutput = raw.slice(n);
    const toBuffer = (x: Int16Array): Buffer => {
      const out = Buffer.alloc(n * 2);
      for (let i = 0; i < n; i++) out.writeInt16LE(x[i]!, i * 2);
      return out;
    };
    return { pcm: toBuffer(done), ...(noisy && this.suppresses ? { undenoised: toBuffer(raw) } : {}) };
  }

  /** One frame heard at `t`, cleaned; with it, the same frame as late before noise suppression. */
  private clean(frame: Int16Array, t: number, noisy: boolean): { out: Int16Array; undenoised: Int16Array } {
    const echo = this.aec !== null && this.o.echo!.playedDuring(t - ECHO_TAIL_SECONDS, t + CLEAN_FRAME_SAMPLES / SAMPLE_RATE);
    const heard = echo ? this.cancelEcho(frame, t) : frame;
    if (echo) this.ownVoice!.note(t, CLEAN_FRAME_SAMPLES / SAMPLE_RATE, frame, heard, this.played);
    if (!this.rnnoise) return { out: echo ? heard : this.speexDenoise(frame, noisy), undenoised: heard };
    // RNNoise runs only in a noisy room, and not over the canceller's output (speexdsp's residual echo
    // suppressor cleans that; RNNoise over it cost "stop" one trial in 15 at 0 dB on the barge-in bench):
    // it costs about as much CPU as the engine itself. Other frames get the same audio, as late; both lines
    // hear every frame, so a change of room leaves nothing stale in them; RNNoise's own (22 ms of old audio,
    // what it knew of the noise) is relearnt within a few frames, and the floor takes seconds to change anyway.
    const denoise = noisy && !echo;
    const denoised = heard.slice();
    if (denoise) this.rnnoise.run(denoised);
    this.denoisedDelay.run(denoised);
    this.bypassDelay.run(heard);
    return { out: denoise ? denoised : heard, undenoised: heard };
  }

  /** The frame with the speaker's echo taken out (and, with the canceller's state, its residual echo suppressed). */
  private cancelEcho(frame: Int16Array, t: number): Int16Array {
    this.o.echo!.read(t, this.played);
    this.aec!.cancel(frame, this.played, this.cancelled);
    this.ns!.run(this.cancelled);
    return this.cancelled;
  }

  /** The frame with noise suppressed by speexdsp in a noisy room, where speexdsp is the suppressor. */
  private speexDenoise(frame: Int16Array, noisy: boolean): Int16Array {
    if (!this.ns) return frame;
    const denoised = frame.slice();
    this.ns.run(denoised); // always, so its noise estimate follows the room
    return noisy && this.speexSuppresses ? denoised : frame;
  }
}
