import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** CLOCK_MONOTONIC in seconds, the clock of the service's audio and of the fake microphone's log. */
export const monotonicNow = (): number => Number(process.hrtime.bigint()) / 1e9;

/** Waits until CLOCK_MONOTONIC reaches `t`. */
export async function sleepUntil(t: number): Promise<void> {
  while (monotonicNow() < t) await new Promise((r) => setTimeout(r, 5));
}

/**
 * The person in front of the fake microphone (test/bin/arecord with FAKE_ARECORD_HOLD_WHILE and FAKE_ARECORD_LOG):
 * silent until the test says "speak", so a loaded machine that starts the service late cannot make them talk
 * before it listens. `speak()` resolves with the recording's first sample's time on CLOCK_MONOTONIC.
 */
export class PersonAtMicrophone {
  constructor(
    readonly hold: string,
    readonly log: string,
  ) {
    writeFileSync(hold, '');
    rmSync(log, { force: true });
  }

  /** The variables that give the fake microphone this person. */
  get env(): Record<string, string> {
    return { FAKE_ARECORD_HOLD_WHILE: this.hold, FAKE_ARECORD_LOG: this.log };
  }

  async speak(timeoutMs = 5000): Promise<number> {
    rmSync(this.hold, { force: true });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const t = existsSync(this.log) ? Number(readFileSync(this.log, 'utf8').trim()) : NaN;
      if (t > 0) return t;
      if (Date.now() > deadline) throw new Error(`the fake microphone did not start the recording within ${timeoutMs} ms (${this.log})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/**
 * A person who says each of `utterances` in turn, each when the test says so (`next()`), silent in between:
 * the fake microphone's FAKE_ARECORD_SEQUENCE with FAKE_ARECORD_CUES, written into `dir`.
 */
export class CuedPerson {
  private readonly cues: string;
  private readonly sequence: string;
  private said = 0;

  constructor(dir: string, utterances: Buffer[]) {
    const files = utterances.map((wav, i) => {
      const path = join(dir, `utterance-${i}.wav`);
      writeFileSync(path, wav);
      return path;
    });
    this.sequence = join(dir, 'sequence');
    writeFileSync(this.sequence, `${files.join('\n')}\n`);
    this.cues = join(dir, 'cues');
  }

  /** The variables that give the fake microphone this person. */
  get env(): Record<string, string> {
    return { FAKE_ARECORD_SEQUENCE: this.sequence, FAKE_ARECORD_CUES: this.cues };
  }

  /** The next utterance starts now. */
  next(): void {
    appendFileSync(this.cues, `${this.said++}\n`);
  }
}
