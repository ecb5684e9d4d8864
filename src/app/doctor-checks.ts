import type { Config } from '../config/config';
import type { SecretsFile } from '../config/secrets-file';
import type { DeviceControl, LevelReading } from '../control/device-control';
import { skipped, type CheckResult } from '../doctor/check';
import { buttonSkipped, checkButton, checkCamera, checkLeds, checkMicrophone, checkSpeaker } from '../doctor/device-checks';
import { checkApi, checkDisk } from '../doctor/system-checks';
import { apiKeyFor } from './thread-manager-factory';

/** The device checks, however the devices are reached: through the running service, or opened by doctor itself (LocalDevices). */
export interface DeviceChecks {
  microphone(onReading?: (r: LevelReading) => void): Promise<CheckResult>;
  /** One frame, saved to `path` when given. */
  camera(path?: string): Promise<CheckResult>;
  speaker(): Promise<CheckResult>;
  /** The LEDs in turn, then (unless `waitSeconds` is 0) the button. */
  gpio(waitSeconds: number, prompt: (s: string) => void): Promise<CheckResult[]>;
}

/** The checks through a running service's DeviceControl (the control socket for the CLI, the service's own for the console). */
export class ServiceDeviceChecks implements DeviceChecks {
  constructor(
    private readonly control: DeviceControl,
    private readonly config: Config,
  ) {}

  microphone(onReading?: (r: LevelReading) => void): Promise<CheckResult> {
    return checkMicrophone(this.control, `${this.config.audio.device ?? 'the default ALSA device'}, through the service`, onReading);
  }

  camera(path?: string): Promise<CheckResult> {
    return checkCamera(this.control, `${this.config.camera.kind}, through the service`, path);
  }

  speaker(): Promise<CheckResult> {
    return checkSpeaker(this.control, `${this.config.speaker.device ?? 'the default ALSA device'}, through the service`);
  }

  async gpio(waitSeconds: number, prompt: (s: string) => void): Promise<CheckResult[]> {
    return [await checkLeds(this.control), ...(waitSeconds ? [await checkButton(this.control, waitSeconds, prompt)] : [])];
  }
}

export interface DoctorRun {
  config: Config;
  secrets: SecretsFile;
  devices: DeviceChecks;
  /** The recogniser's check: doctor loads the model; the running service reports the one it listens with. */
  recogniser: () => CheckResult;
  /** How long to wait for a button press (0: not waited for). */
  buttonSeconds: number;
  /** Why the button is not waited for, when it is not (--no-wait). */
  buttonSkipped?: CheckResult;
  /** Where the camera's frame is saved, if anywhere. */
  framePath?: string;
  report: (c: CheckResult) => void;
  /** A line for the person (before the microphone's 3 s, the button). */
  prompt: (s: string) => void;
  onReading?: (r: LevelReading) => void;
  /** Called when the microphone's 3 s are over (the terminal's meter line is cleared). */
  afterMicrophone?: () => void;
}

/** The checks of `snapask doctor` after the config's and the state directory's, in order: the CLI and the console's setup page run this one list. */
export async function runDeviceAndSystemChecks(o: DoctorRun): Promise<void> {
  const { config } = o;
  o.prompt('  listening for 3 s: speak, or clap...');
  o.report(await o.devices.microphone(o.onReading));
  o.afterMicrophone?.();
  if (config.camera.kind === 'none') o.report(skipped('camera', 'camera.kind is none (voice only)'));
  else o.report(await o.devices.camera(o.framePath));
  o.report(await o.devices.speaker());
  const api = await checkApi(config.openai, apiKeyFor(config.openai.baseURL, o.secrets.current()), o.secrets.path);
  o.report(api.key);
  o.report(api.model);
  o.report(api.network);
  o.report(api.clock);
  o.report(o.recogniser());
  const wait = config.gpio.button === null ? 0 : o.buttonSeconds;
  if (!config.gpio.enabled) {
    o.report(skipped('LEDs', 'gpio.enabled is false'));
    o.report(skipped('button', 'gpio.enabled is false'));
  } else {
    for (const r of await o.devices.gpio(wait, o.prompt)) o.report(r);
    if (!wait) o.report(config.gpio.button === null ? skipped('button', 'gpio.button is null') : (o.buttonSkipped ?? buttonSkipped()));
  }
  o.report(checkDisk(config.stateDir));
}
