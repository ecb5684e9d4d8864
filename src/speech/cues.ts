import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Indicator, IndicatorState } from '../indicator/indicator';
import { parseWav } from '../audio/wav';
import type { SoundPlayer } from './speaker';

/** click: a snapshot; chime: the question sent; error: a fault; ready: the service has started and is listening. */
export type CueName = 'click' | 'chime' | 'error' | 'ready';

/** assets/cues, made by assets/cues/make-cues.sh (from dist/src/speech or src/speech). */
export function defaultCueDir(): string {
  return resolve(__dirname, __dirname.includes('/dist/') ? '../../../assets/cues' : '../../assets/cues');
}

/** Loads the shipped cue WAVs once, at start: a missing or broken one is a clear error then, not a silent gap later. */
export function loadCues(dir = defaultCueDir()): Record<CueName, Buffer> {
  const load = (name: CueName): Buffer => {
    const path = resolve(dir, `${name}.wav`);
    let wav: Buffer;
    try {
      wav = readFileSync(path);
    } catch (e) {
      throw new Error(`cue sound missing: ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)}); run assets/cues/make-cues.sh`);
    }
    parseWav(wav, `cue sound ${path}`);
    return wav;
  };
  return { click: load('click'), chime: load('chime'), error: load('error'), ready: load('ready') };
}

/** Which state change sounds which cue: a snapshot taken, the question sent, an error. */
const CUE_OF: Partial<Record<IndicatorState, CueName>> = { snapshot: 'click', thinking: 'chime', error: 'error' };

/**
 * The LEDs with sound: each state that matters to someone not looking at the
 * device also plays its cue, on the player the voice uses (one sound at a time).
 * A cue that cannot play is reported once per streak and never holds up the turn.
 */
export class CueIndicator implements Indicator {
  private failing = false;

  constructor(
    private readonly inner: Indicator,
    private readonly cues: Record<CueName, Buffer>,
    private readonly player: SoundPlayer,
    private readonly onError: (message: string) => void,
  ) {}

  set(state: IndicatorState, detail?: string): void {
    this.inner.set(state, detail);
    const cue = CUE_OF[state];
    if (cue) this.play(cue);
  }

  /** A cue that goes with no state of its own (ready: listening for the first time since the start). */
  play(cue: CueName): void {
    this.player.play(this.cues[cue]).then(
      () => {
        this.failing = false;
      },
      (e: Error) => {
        if (!this.failing) this.onError(`cue ${cue} not played: ${e.message}`);
        this.failing = true;
      },
    );
  }
}
