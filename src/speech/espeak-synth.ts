import { spawn } from 'node:child_process';
import { parseWav } from '../audio/wav';
import { lastLineOf } from '../process/last-line';
import { SpeakerError } from './speaker';
import type { Pcm, SpeechSynth } from './speech-synth';

export interface EspeakOptions {
  voice?: string;
  /** Words per minute. */
  rate?: number;
}

/** Synthesises one sentence with `espeak-ng`, offline; resolves to a complete WAV file. */
export function espeakWav(text: string, o: EspeakOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const args = ['--stdout', '-v', o.voice ?? 'en-us', '-s', String(o.rate ?? 165)];
    // Text on stdin, not argv: an answer can start with "-" and must not become a flag.
    const p = spawn('espeak-ng', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    const lastErr = lastLineOf(p.stderr);
    p.on('error', (e) => reject(new SpeakerError(`cannot run espeak-ng: ${e.message}`)));
    p.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new SpeakerError(`espeak-ng failed (exit ${code}): ${lastErr()}`));
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(text);
  });
}

/** The offline voice. */
export class EspeakSynth implements SpeechSynth {
  readonly name: string;
  constructor(private readonly o: EspeakOptions = {}) {
    this.name = `espeak-ng ${o.voice ?? 'en-us'}`;
  }

  async synthesise(text: string): Promise<Pcm> {
    const wav = parseWav(await espeakWav(text, this.o), 'espeak-ng output');
    return { pcm: wav.pcm, rate: wav.sampleRate };
  }
}
