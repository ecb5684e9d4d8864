import { setTimeout as sleep } from 'node:timers/promises';
import type { FrameSource } from '../camera/frame';
import { MonotonicClock } from '../clock';
import type { Config } from '../config/config';
import type { SecretsSource } from '../config/secrets-file';
import type { LevelReading } from '../control/device-control';
import { ServiceControl } from '../control/service-control';
import { captureHolders } from '../doctor/capture-holders';
import { failed, type CheckResult } from '../doctor/check';
import type { DeviceChecks } from './doctor-checks';
import { cameraFix, checkButton, checkCamera, checkLeds, checkMicrophone, checkSpeaker } from '../doctor/device-checks';
import type { ButtonEvent } from '../indicator/button';
import type { GpioDevices } from '../indicator/gpio-devices';
import { createLogger } from '../log';
import { openCamera, openGpio, openMicrophone, openSpeaker } from './devices';

/**
 * The device checks when no service runs (or none this user may reach): the devices opened here, one at a time,
 * by the factories the service opens them with, behind the same ServiceControl it uses, so the checks are the same
 * either way.
 */
export class LocalDevices implements DeviceChecks {
  private readonly clock = new MonotonicClock();

  constructor(
    private readonly config: Config,
    private readonly secrets: SecretsSource,
    /** Why the running service could not be asked, for the fixes of a device it holds. */
    private readonly serviceNote = '',
  ) {}

  async microphone(onReading?: (r: LevelReading) => void, seconds = 3): Promise<CheckResult> {
    const control = new ServiceControl({ clock: this.clock, say: () => Promise.reject(new Error('no speaker here')) });
    let lost: string | undefined;
    const audio = openMicrophone(this.config, this.clock, { reopen: false, onLost: (why) => (lost = why) });
    const pump = (async () => {
      for await (const chunk of audio) control.hear(chunk);
    })();
    const levels = checkMicrophone(control, this.config.audio.device ?? 'the default ALSA device', onReading, seconds);
    const first = await Promise.race([levels, pump.then(() => undefined)]);
    audio.stop();
    await pump;
    if (first && lost === undefined) return first;
    return this.microphoneLost(lost ?? 'arecord ended');
  }

  private microphoneLost(why: string): CheckResult {
    const device = this.config.audio.device ?? 'default';
    if (/busy/i.test(why)) {
      const holders = captureHolders();
      const who = holders.length ? holders.map((h) => `${h.command} (pid ${h.pid})`).join(', ') : 'another program';
      return failed(
        'microphone',
        `${device} is busy: held by ${who}`,
        `${holders.length ? '' : 'find it: sudo fuser -v /dev/snd/*; '}stop that program${this.serviceNote ? `; ${this.serviceNote}` : '; if it is the snapask service: sudo snapask doctor checks through it, or sudo systemctl stop snapask'}`,
      );
    }
    if (/cannot start arecord/.test(why)) return failed('microphone', why, 'sudo apt-get install alsa-utils');
    return failed('microphone', `no microphone at ${device}: ${why}`, 'plug the USB microphone in; arecord -L lists the devices: set audio.device (e.g. plughw:CARD=Device,DEV=0)');
  }

  async camera(path?: string): Promise<CheckResult> {
    const kind = this.config.camera.kind;
    let frames: FrameSource | undefined;
    try {
      frames = await openCamera(this.config, this.clock);
      await frames?.start();
    } catch (e) {
      await frames?.stop().catch(() => undefined);
      return failed('camera', `${kind}: ${(e as Error).message}`, `${cameraFix(kind)}${this.serviceNote ? `; ${this.serviceNote}` : ''}`);
    }
    // Long enough to measure the frame rate over the buffered frames.
    if (!frames?.capture) await sleep(2600);
    const control = new ServiceControl({ clock: this.clock, frames: () => frames, say: () => Promise.reject(new Error('no speaker here')) });
    try {
      return await checkCamera(control, kind, path);
    } finally {
      await frames?.stop();
    }
  }

  async speaker(): Promise<CheckResult> {
    const speaker = openSpeaker(this.config, this.secrets, this.clock);
    const say = async (text: string) => {
      const spoken = await speaker.speak(
        (async function* () {
          yield text;
        })(),
      );
      if (spoken.failed) throw new Error(spoken.failed);
    };
    return checkSpeaker(new ServiceControl({ clock: this.clock, say }), this.config.speaker.device ?? 'the default ALSA device');
  }

  /** The LEDs in turn, then (unless `waitSeconds` is 0) the button. */
  async gpio(waitSeconds: number, prompt: (s: string) => void): Promise<CheckResult[]> {
    let gpio: GpioDevices;
    let control: ServiceControl | undefined;
    const onPress = (e: ButtonEvent) => control?.claimButton(e);
    try {
      gpio = await openGpio(this.config, this.clock, createLogger({ level: 'silent' }), onPress);
    } catch (e) {
      const fix = `check gpio.* in the config and the wiring (hardware/README.md)${this.serviceNote ? `; ${this.serviceNote}` : ''}`;
      return [failed('LEDs', (e as Error).message, fix), failed('button', 'GPIO not available', fix)];
    }
    control = new ServiceControl({ clock: this.clock, say: () => Promise.reject(new Error('no speaker here')), leds: gpio.leds, hasButton: !!gpio.button });
    try {
      const leds = await checkLeds(control);
      if (!waitSeconds) return [leds];
      return [leds, await checkButton(control, waitSeconds, prompt)];
    } finally {
      gpio.close();
    }
  }
}
