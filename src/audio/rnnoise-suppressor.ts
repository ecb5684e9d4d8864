import { Downsampler3x, RESAMPLE_DELAY_48K, Upsampler3x } from './resample-3x';
import { RNNOISE_DELAY_48K, RNNOISE_FRAME, RnnoiseDenoiser, type RnnoiseBuild } from './rnnoise';

/** 10 ms at 16 kHz: one RNNoise frame once tripled. */
export const RNNOISE_FRAME_16K = RNNOISE_FRAME / 3;
/** What the round trip adds: up, RNNoise, down; 22 ms, a whole number of 16 kHz samples. */
export const RNNOISE_DELAY_16K = (2 * RESAMPLE_DELAY_48K + RNNOISE_DELAY_48K) / 3;

/**
 * RNNoise on the recogniser's 16 kHz audio: each 10 ms frame is taken to 48 kHz,
 * denoised and brought back. The output lags the input by exactly
 * RNNOISE_DELAY_16K samples, so a caller can keep word times on the microphone's clock.
 */
export class RnnoiseSuppressor {
  private readonly up = new Upsampler3x();
  private readonly down = new Downsampler3x();
  private readonly denoiser: RnnoiseDenoiser;
  private readonly wide = new Float32Array(RNNOISE_FRAME);
  private readonly narrow = new Float32Array(RNNOISE_FRAME_16K);

  constructor(build?: RnnoiseBuild) {
    this.denoiser = new RnnoiseDenoiser(build);
  }

  /** Denoises whole 10 ms frames in place (frame.length a multiple of RNNOISE_FRAME_16K). */
  run(frame: Int16Array): void {
    if (frame.length % RNNOISE_FRAME_16K !== 0) throw new RangeError(`frame must hold a multiple of ${RNNOISE_FRAME_16K} samples, got ${frame.length}`);
    for (let at = 0; at < frame.length; at += RNNOISE_FRAME_16K) {
      const part = frame.subarray(at, at + RNNOISE_FRAME_16K);
      this.up.process(part, this.wide);
      this.denoiser.process(this.wide);
      this.down.process(this.wide, this.narrow);
      for (let i = 0; i < RNNOISE_FRAME_16K; i++) part[i] = Math.max(-32768, Math.min(32767, Math.round(this.narrow[i]!)));
    }
  }

  close(): void {
    this.denoiser.close();
  }
}
