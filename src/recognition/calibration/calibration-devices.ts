import { ArecordSource } from '../../audio/arecord-source';
import { SAMPLE_RATE } from '../../audio/audio-source';
import { encodeWav } from '../../audio/wav';
import { MonotonicClock } from '../../clock';
import { Player } from '../../speech/player';
import type { SpeechSynth } from '../../speech/speech-synth';
import { CalibrationInputError } from './samples';

/**
 * What calibration needs of the device: to say a prompt and to record what follows: the running service's
 * (ServiceCalibrationDevices, in-process for the console, through the control socket for `snapask calibrate`),
 * or, when no service runs, the microphone and speaker opened by `snapask calibrate` itself (LocalCalibrationDevices).
 */
export interface CalibrationDevices {
  /** Says `text` through the speaker; resolves once it has been played. */
  say(text: string): Promise<void>;
  /** The microphone's next `seconds` of audio (16 kHz mono). */
  record(seconds: number): Promise<Int16Array>;
  close(): void;
  /** Lent by the running service, which then takes the saved calibration at once. */
  readonly inService?: boolean;
}

export interface LocalDevicesOptions {
  /** ALSA devices (audio.device, speaker.device). */
  microphone?: string;
  speaker?: string;
  synth: SpeechSynth;
  /** The programs' environment (tests put the stand-ins on PATH). */
  env?: NodeJS.ProcessEnv;
}

/** The microphone through arecord and the speaker through aplay, as the service opens them; one recording at a time. */
export class LocalCalibrationDevices implements CalibrationDevices {
  private readonly player: Player;

  constructor(private readonly o: LocalDevicesOptions) {
    this.player = new Player({ clock: new MonotonicClock(), ...(o.speaker ? { device: o.speaker } : {}), ...(o.env ? { env: o.env } : {}) });
  }

  async say(text: string): Promise<void> {
    const { pcm, rate } = await this.o.synth.synthesise(text);
    await this.player.play(encodeWav(pcm, rate));
  }

  async record(seconds: number): Promise<Int16Array> {
    const want = Math.round(seconds * SAMPLE_RATE);
    const out = new Int16Array(want);
    let got = 0;
    let lost: string | undefined;
    const source = new ArecordSource({
      clock: new MonotonicClock(),
      reopen: false,
      ...(this.o.microphone ? { device: this.o.microphone } : {}),
      ...(this.o.env ? { env: this.o.env } : {}),
      onLost: (reason) => {
        lost = reason;
      },
    });
    try {
      for await (const chunk of source) {
        const n = Math.min(want - got, chunk.pcm.length >> 1);
        for (let i = 0; i < n; i++) out[got + i] = chunk.pcm.readInt16LE(i * 2);
        got += n;
        if (got >= want) break;
      }
    } finally {
      source.stop();
    }
    if (got < want) {
      // A running snapask service is asked through its control socket first: this is another program.
      const busy = /busy/i.test(lost ?? '') ? ' (another program holds it: close it)' : '';
      throw new CalibrationInputError(`The microphone could not be recorded from: ${lost ?? 'arecord ended early'}${busy}; check audio.device and run snapask calibrate again.`);
    }
    return out;
  }

  close(): void {}
}
