import { spawn } from 'node:child_process';
import { lastLineOf } from '../process/last-line';
import { espeakWav, type EspeakOptions } from './espeak-synth';
import { SpeakerError, type Speaker, type SpokenAnswer } from './speaker';

export interface AplaySpeakerOptions extends EspeakOptions {
  /** ALSA playback device; `default` if unset. */
  device?: string;
}

/** Plays a WAV through `aplay`; resolves when playback has finished. */
export function aplay(wav: Buffer, device?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-q'];
    if (device) args.push('-D', device);
    args.push('-');
    const p = spawn('aplay', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    const lastErr = lastLineOf(p.stderr);
    p.on('error', (e) => reject(new SpeakerError(`cannot run aplay: ${e.message}`)));
    p.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new SpeakerError(`aplay failed on device ${device ?? 'default'} (exit ${code}): ${lastErr()}`));
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(wav);
  });
}

/**
 * espeak-ng into aplay. The next sentence is synthesised while the current one
 * plays, so sentences follow each other without a synthesis gap.
 */
export class AplaySpeaker implements Speaker {
  constructor(private readonly o: AplaySpeakerOptions = {}) {}

  async speak(sentences: AsyncIterable<string>): Promise<SpokenAnswer> {
    let playing: Promise<void> = Promise.resolve();
    let count = 0;
    for await (const sentence of sentences) {
      const wav = espeakWav(sentence, this.o);
      // Chain: play this sentence once it is synthesised and the previous one has finished.
      playing = Promise.all([wav, playing]).then(([w]) => aplay(w, this.o.device));
      playing.catch(() => undefined); // surfaced by the final await
      count++;
    }
    await playing;
    return { sentences: count };
  }
}
