import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseWav, encodeWav } from '../audio/wav';
import { espeakWav, type EspeakOptions } from './espeak-synth';
import type { Speaker, SpokenAnswer } from './speaker';

/**
 * The speaker of replays and tests: the same espeak-ng synthesis, but the
 * answer's sentences are written one after another into a WAV file.
 */
export class WavFileSpeaker implements Speaker {
  private n = 0;
  constructor(
    private readonly dir: string,
    private readonly o: EspeakOptions = {},
  ) {}

  async speak(sentences: AsyncIterable<string>): Promise<SpokenAnswer> {
    const pcm: Buffer[] = [];
    const pending: Promise<Buffer>[] = [];
    let rate = 22050;
    for await (const s of sentences) pending.push(espeakWav(s, this.o));
    for (const wav of await Promise.all(pending)) {
      const info = parseWav(wav, 'espeak-ng output');
      rate = info.sampleRate;
      pcm.push(info.pcm);
    }
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `answer-${++this.n}.wav`);
    await writeFile(path, encodeWav(Buffer.concat(pcm), rate));
    return { sentences: pending.length, wav: path };
  }
}
