import type { Logger } from 'pino';
import { Appliance } from '../app/appliance';
import { fileDevices } from '../app/devices';
import { assertReachable } from '../app/reachability';
import type { Config, Secrets } from '../config/config';
import { asSecretsSource } from '../config/secrets-file';
import type { TurnEvent } from '../turn/turn-events';

export interface ReplayOptions {
  audio: string;
  camera?: string;
  fps: number;
  outDir?: string;
  /** One line for the user that is no error (a camera file shorter than the audio); stderr by default. */
  warn?: (line: string) => void;
}

/**
 * The whole appliance on files: the WAV is the microphone, the MJPEG (or one
 * still) the camera, both on one virtual clock that runs as fast as the CPU
 * allows; uploads and the answer go to the configured API; speech goes to WAVs.
 * Returns the number of errors seen; when there were any, the last event is an
 * `error` saying what went wrong.
 */
export async function replay(o: ReplayOptions, config: Config, secrets: Secrets, log: Logger, emit: (e: TurnEvent) => void): Promise<number> {
  const warn = o.warn ?? ((line: string) => process.stderr.write(`snapask: warning: ${line}\n`));
  const devices = await fileDevices(config, { audio: o.audio, ...(o.camera ? { camera: o.camera } : {}), fps: o.fps, ...(o.outDir ? { outDir: o.outDir } : {}), warn });
  const failures: string[] = [];
  let last: TurnEvent | undefined;
  const counting = (e: TurnEvent) => {
    const failure = failureOf(e, o.camera !== undefined);
    if (failure) failures.push(failure);
    last = e;
    emit(e);
  };
  // The same appliance as on the device (barge-in, clip monitoring, the turn logic and the sender), on files.
  const app = await Appliance.build({ config, secrets: asSecretsSource(secrets), log, devices, emit: counting });
  try {
    await assertReachable(config.openai.baseURL);
    // Questions a killed replay left unfinished go first, as on the device.
    await app.start((id, why) => counting({ event: 'error', stage: 'spool', message: `turn ${id}: ${why}` }));
    await app.listen();
    await app.finish();
    // A replay that failed says why on its last line, also when the failure was a held question.
    if (failures.length && last?.event !== 'error') emit({ event: 'error', stage: 'replay', message: summary(failures) });
    return failures.length;
  } finally {
    app.close();
  }
}

/** What went wrong in one event, or undefined. No picture is no failure when the replay was given no camera. */
function failureOf(e: TurnEvent, hasCamera: boolean): string | undefined {
  switch (e.event) {
    case 'error':
      return `${e.stage}: ${e.message}`;
    case 'upload-failed':
      return `a picture was not uploaded: ${e.reason}`;
    case 'snapshot-failed':
      return hasCamera ? `a snapshot got no picture: ${e.reason}` : undefined;
    case 'held':
      // A replay ends before the spool's retry: the question stays unanswered.
      return `the question was not answered: ${e.reason}`;
    default:
      return undefined;
  }
}

function summary(failures: string[]): string {
  const more = failures.length > 3 ? ` (and ${failures.length - 3} more)` : '';
  return failures.slice(0, 3).join('; ') + more;
}
