import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseWav, encodeWav } from '../audio/wav';
import { espeakWav, type EspeakOptions } from './espeak-synth';
import type { RoomSpeaker, SpokenAnswer } from './speaker';

/**
 * The speaker of replays and tests: the same espeak-ng synthesis, but the
 * answer's sentences are written one after another into a WAV file. Nothing it
 * writes is heard by the recording the replay plays as its microphone, so it is
 * never playing for the barge-in gate; `stop()` ends the answer being written.
 */
export class WavFileSpeaker implements RoomSpeaker {
  private n = 0;
  private stopped?: () => void;
  constructor(
    private readonly dir: string,
    private readonly o: EspeakOptions = {},
  ) {}

  async speak(sentences: AsyncIterable<string>): Promise<SpokenAnswer> {
    const pcm: Buffer[] = [];
    const pending: Promise<Buffer>[] = [];
    let rate = 22050;
    let interrupted = false;
    this.stopped = () => (interrupted = true);
    for await (const s of sentences) {
      if (interrupted) break;
      pending.push(espeakWav(s, this.o));
    }
    this.stopped = undefined;
    for (const wav of await Promise.all(pending)) {
      const info = parseWav(wav, 'espeak-ng output');
      rate = info.sampleRate;
      pcm.push(info.pcm);
    }
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `answer-${++this.n}.wav`);
    await writeFile(path, encodeWav(Buffer.concat(pcm), rate));
    return { sentences: pending.length, wav: path, ...(interrupted ? { interrupted } : {}) };
  }

  stop(): void {
    this.stopped?.();
  }

  playingDuring(): boolean {
    return false;
  }
}
