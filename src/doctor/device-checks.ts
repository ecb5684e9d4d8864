import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeviceControl, LevelReading, LevelSummary } from '../control/device-control';
import { failed, ok, skipped, type CheckResult } from './check';

/** Over this share of samples at full scale the gain is too high (as the service's clip monitor judges). */
const CLIPPING_SHARE = 0.002;
/** A microphone whose loudest sample in 3 s is under this hears nothing: muted in the mixer, or the wrong input. */
const DEAD_PEAK_DBFS = -80;

const fmt = (db: number | null) => (db === null ? '-inf' : db.toFixed(1));

/** A line of the live meter: "  -23.4 dBFS peak |#########           |". */
export function meterLine(r: LevelReading): string {
  const peak = r.peakDbfs ?? -100;
  const bars = Math.max(0, Math.min(30, Math.round((peak + 60) / 2)));
  return `  ${fmt(r.peakDbfs).padStart(6)} dBFS peak ${fmt(r.rmsDbfs).padStart(6)} RMS |${'#'.repeat(bars)}${' '.repeat(30 - bars)}|${r.clipped ? ' CLIP' : ''}`;
}

/** The microphone's 3 s level meter, judged. `where`: which device, and through what. */
export function judgeLevels(s: LevelSummary, where: string): CheckResult {
  const text = `${s.seconds.toFixed(1)} s from ${where}: peak ${fmt(s.peakDbfs)} dBFS, RMS ${fmt(s.rmsDbfs)} dBFS, noise floor ${fmt(s.noiseFloorDbfs)} dBFS`;
  if (s.clippedShare > CLIPPING_SHARE) {
    return failed('microphone', `${text}, clipping (${(s.clippedShare * 100).toFixed(1)} % of samples at full scale)`, 'lower the capture gain: alsamixer, F6 to pick the card, F4 for capture');
  }
  if (s.peakDbfs === null || s.peakDbfs < DEAD_PEAK_DBFS) {
    return failed('microphone', `${text}: it hears nothing`, 'unmute and raise the capture gain (alsamixer, F4), or set audio.device to the right input (arecord -L)');
  }
  return ok('microphone', `${text}, ${s.clippedSamples ? `${s.clippedSamples} samples clipped` : 'no clipping'}`);
}

export async function checkMicrophone(control: DeviceControl, where: string, onReading?: (r: LevelReading) => void, seconds = 3): Promise<CheckResult> {
  try {
    return judgeLevels(await control.levels(seconds, onReading), where);
  } catch (e) {
    return failed('microphone', (e as Error).message, 'check audio.device (arecord -L) and the log (snapask logs)');
  }
}

/** One frame (saved to `path` when given), with its size and the camera's measured frame rate. */
export async function checkCamera(control: DeviceControl, kind: string, path?: string): Promise<CheckResult> {
  try {
    const shot = await control.frame();
    if (path) writeFileSync(path, shot.jpeg);
    const rate = shot.fps !== undefined ? `, ${shot.fps.toFixed(1)} frames/s` : '';
    return ok('camera', `${kind}: one frame ${path ? `saved to ${path}` : 'taken'} (${shot.width}x${shot.height}, ${Math.round(shot.jpeg.length / 1024)} KB${rate})`);
  } catch (e) {
    return failed('camera', `${kind}: ${(e as Error).message}`, cameraFix(kind));
  }
}

export function cameraFix(kind: string): string {
  return kind === 'v4l2'
    ? 'plug the webcam in, set camera.device (v4l2-ctl --list-devices); it must offer MJPEG (v4l2-ctl --list-formats-ext)'
    : kind === 'file'
      ? 'set camera.file to an MJPEG file or a JPEG'
      : 'rpicam-hello --list-cameras; reseat the ribbon cable (contacts towards the board), then reboot';
}

export async function checkSpeaker(control: DeviceControl, device: string): Promise<CheckResult> {
  try {
    await control.speak('This is the snapask speaker test.');
    return ok('speaker', `a test phrase played on ${device} (heard nothing? raise the volume: alsamixer; or set speaker.device: aplay -L)`);
  } catch (e) {
    return failed('speaker', (e as Error).message, 'set speaker.device (aplay -L), then aplay -D <device> /usr/share/sounds/alsa/Front_Center.wav');
  }
}

/** Each LED lit alone in turn, then all dark, then the LEDs follow the states again. */
export async function checkLeds(control: DeviceControl, ms = 400): Promise<CheckResult> {
  try {
    const names = await control.leds();
    if (!names.length) return failed('LEDs', 'no status LEDs available (GPIO did not open: see the log)', 'check gpio.* in the config and the wiring (hardware/README.md)');
    for (const n of names) {
      await control.showLeds([n]);
      await sleep(ms);
    }
    await control.showLeds([]);
    await control.releaseLeds();
    return ok('LEDs', `${names.join(', ')} lit in turn (one stayed dark? check its wiring and which leg is long: hardware/README.md)`);
  } catch (e) {
    await control.releaseLeds().catch(() => undefined);
    return failed('LEDs', (e as Error).message, 'check gpio.* in the config and the wiring (hardware/README.md)');
  }
}

export async function checkButton(control: DeviceControl, seconds: number, prompt: (s: string) => void): Promise<CheckResult> {
  try {
    prompt(`  press the button within ${seconds} s...`);
    const press = await control.nextButtonPress(seconds);
    if (!press) return failed('button', `no press in ${seconds} s`, 'check the wiring (hardware/README.md), gpio.button and gpio.buttonActiveLow');
    return ok('button', `${press} press heard`);
  } catch (e) {
    return failed('button', (e as Error).message, 'check gpio.button and the wiring (hardware/README.md)');
  }
}

export const buttonSkipped = (): CheckResult => skipped('button', '--no-wait');
