import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ArecordSource } from '../audio/arecord-source';
import type { AudioSource } from '../audio/audio-source';
import type { PlaybackReference } from '../audio/playback-reference';
import { WavFileSource } from '../audio/wav-file-source';
import type { CameraChoice } from '../camera/camera-kind';
import { createFrameSource } from '../camera/create-frame-source';
import type { FrameSource } from '../camera/frame';
import type { CameraEvent } from '../camera/supervised-process';
import { type Clock, MonotonicClock, VirtualClock } from '../clock';
import type { Config } from '../config/config';
import type { SecretsSource } from '../config/secrets-file';
import type { ButtonEvent } from '../indicator/button';
import { gpioOpener, openGpioDevices, type GpioDevices } from '../indicator/gpio-devices';
import { AplaySpeaker } from '../speech/aplay-speaker';
import type { RoomSpeaker, SoundPlayer } from '../speech/speaker';
import { WavFileSpeaker } from '../speech/wav-file-speaker';
import { createSynth } from './create-synth';

export interface MicrophoneEvents {
  /** The microphone is gone (it is reopened; `reopen: false`: the source ends). */
  onLost: (why: string) => void;
  onBack?: () => void;
  reopen?: boolean;
}

export interface CameraEvents {
  onEvent?: (e: CameraEvent) => void;
  /** What `camera.kind = "auto"` chose and why. */
  onChoice?: (c: CameraChoice) => void;
}

/**
 * Where the appliance's sound and pictures come from and where its voice goes: the one thing `run` and `replay`
 * differ in (the devices, or files on a virtual clock). Each opens its device when called.
 */
export interface DeviceSources {
  clock: Clock;
  microphone(events: MicrophoneEvents): AudioSource;
  /** The camera, not yet started; undefined: voice only. */
  camera(events: CameraEvents): Promise<FrameSource | undefined>;
  /** The voice, and the click, chime and error tone on the same player (one sound at a time); no cues: none. */
  speaker(o: { echo?: PlaybackReference; onError: (message: string) => void }): { voice: RoomSpeaker; cues?: SoundPlayer };
  /** The status LEDs and the button, where they are wired and turned on (never in a replay). */
  gpio?: (onButton: (e: ButtonEvent) => void) => Promise<GpioDevices>;
  /** The speaker plays into the room the microphone hears: its echo is cancelled from the microphone's audio. */
  echoCancel: boolean;
  /** A camera that fails to start leaves the device voice-only (the service); else the failure is the caller's. */
  voiceOnlyWithoutCamera: boolean;
}

/** `arecord` on the configured device. */
export function openMicrophone(config: Config, clock: Clock, e: MicrophoneEvents): ArecordSource {
  return new ArecordSource({
    device: config.audio.device,
    clock,
    reopenMs: config.audio.reopenMs,
    reopenMaxMs: config.audio.reopenMaxMs,
    onLost: e.onLost,
    ...(e.onBack ? { onBack: e.onBack } : {}),
    ...(e.reopen === false ? { reopen: false } : {}),
  });
}

/** The configured camera (`auto` chooses), not yet started. */
export function openCamera(config: Config, clock: Clock, e: CameraEvents = {}): Promise<FrameSource | undefined> {
  return createFrameSource(config.camera, { clock, ...e });
}

/** The configured voice on the device's player (one streaming `aplay` per answer). */
export function openSpeaker(config: Config, secrets: SecretsSource, clock: Clock, o: { echo?: PlaybackReference; onError?: (m: string) => void; onFallback?: (m: string) => void } = {}): AplaySpeaker {
  return new AplaySpeaker({
    device: config.speaker.device,
    synth: createSynth(config, secrets, o.onFallback ?? (() => undefined)),
    clock,
    ...(o.onError ? { onError: o.onError } : {}),
    ...(o.echo ? { echo: o.echo } : {}),
  });
}

/** The LEDs and the button from `gpio.*` (onoff, or sysfs directly where its addon does not load). */
export function openGpio(config: Config, clock: Clock, log: Logger, onButton: (e: ButtonEvent) => void): Promise<GpioDevices> {
  return openGpioDevices(config.gpio, clock, gpioOpener(config.gpio.sysfsRoot, log), onButton);
}

/** The device's own microphone, camera, speaker and GPIO, on the monotonic clock. */
export function liveDevices(config: Config, secrets: SecretsSource, log: Logger): DeviceSources {
  const clock = new MonotonicClock();
  return {
    clock,
    microphone: (e) => openMicrophone(config, clock, e),
    camera: (e) => openCamera(config, clock, e),
    speaker: (o) => {
      const voice = openSpeaker(config, secrets, clock, { ...o, onFallback: (m) => log.warn(m) });
      return { voice, ...(config.speaker.cues ? { cues: voice.player } : {}) };
    },
    ...(config.gpio.enabled ? { gpio: (onButton: (e: ButtonEvent) => void) => openGpio(config, clock, log, onButton) } : {}),
    echoCancel: config.speaker.echoCancel,
    voiceOnlyWithoutCamera: true,
  };
}

export interface FileDeviceOptions {
  /** The WAV played as the microphone. */
  audio: string;
  /** The MJPEG (or one still JPEG) played as the camera; none: voice only. */
  camera?: string;
  fps: number;
  /** Where the answers' WAVs go; a fresh temporary directory by default. */
  outDir?: string;
  /** One line for the user that is no error (a camera file shorter than the audio). */
  warn: (line: string) => void;
}

/**
 * Files instead of devices, on one virtual clock that runs as fast as the CPU allows: the WAV is the microphone,
 * the MJPEG the camera, answers go to WAV files. The WAV is opened (and checked) here.
 */
export async function fileDevices(config: Config, o: FileDeviceOptions): Promise<DeviceSources> {
  const clock = new VirtualClock(0);
  const audio = await WavFileSource.open(o.audio, { pace: 'fast', clock });
  const camera = o.camera;
  return {
    clock,
    microphone: () => audio,
    camera: async () => (camera ? createFrameSource({ ...config.camera, kind: 'file', file: camera, fps: o.fps }, { clock, onEvent: (e) => o.warn(e.detail) }) : undefined),
    speaker: () => ({ voice: new WavFileSpeaker(o.outDir ?? mkdtempSync(join(tmpdir(), 'snapask-replay-')), { voice: config.speaker.voice, rate: config.speaker.rate }) }),
    // The recording never heard these answers: nothing to cancel.
    echoCancel: false,
    voiceOnlyWithoutCamera: false,
  };
}
