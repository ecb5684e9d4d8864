import { ControlError } from '../../control/device-control';
import type { CalibrationDevices } from './calibration-devices';
import { CalibrationInputError } from './samples';

/** What calibration takes of the running service (its ServiceControl): its voice and the audio it reads. */
export interface ServiceMicrophone {
  speak(text: string): Promise<void>;
  record(seconds: number): Promise<Int16Array>;
}

/**
 * Calibration through the running service: the prompts in its voice (in turn with anything else it says), the
 * recordings from the microphone it already reads; nothing is opened a second time.
 */
export class ServiceCalibrationDevices implements CalibrationDevices {
  constructor(
    private readonly service: ServiceMicrophone,
    /** Told when each recording starts (the page shows that the device listens now). */
    private readonly onRecording: (seconds: number) => void = () => undefined,
  ) {}

  say(text: string): Promise<void> {
    return this.service.speak(text);
  }

  async record(seconds: number): Promise<Int16Array> {
    this.onRecording(seconds);
    try {
      return await this.service.record(seconds);
    } catch (e) {
      if (e instanceof ControlError) throw new CalibrationInputError(`The microphone could not be recorded from: ${e.message}; check audio.device and calibrate again.`);
      throw e;
    }
  }

  close(): void {}
}
