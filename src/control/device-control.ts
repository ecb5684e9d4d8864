import type { LedName } from '../indicator/led-indicator';

/**
 * What the running service is doing, for `snapask doctor`, calibration and the console.
 * activity: starting; listening; question (words or pictures gathered since the last "reply"); thinking (the
 * question is out); speaking; error (the last thing failed); muted (the microphone is off); needs-setup (listening,
 * but no API key yet).
 */
export type Activity = 'starting' | 'listening' | 'question' | 'thinking' | 'speaking' | 'error' | 'muted' | 'needs-setup';

export interface ServiceState {
  activity: Activity;
  /** Pictures taken for the open question. */
  pictures: number;
  muted: boolean;
  /** What is missing (needs-setup). */
  detail?: string;
  /** No camera: the service runs voice-only. */
  voiceOnly: boolean;
}

/** One stretch of microphone audio (about 100 ms), measured. dBFS: 0 is full scale, -inf silence (sent as null). */
export interface LevelReading {
  /** Seconds since the metering began. */
  t: number;
  peakDbfs: number | null;
  rmsDbfs: number | null;
  /** Samples at full scale in this stretch. */
  clipped: number;
}

/** A metering's summary: the loudest peak, the overall RMS, clipping, and the noise floor (the quietest 10 % of stretches). */
export interface LevelSummary {
  seconds: number;
  peakDbfs: number | null;
  rmsDbfs: number | null;
  clippedSamples: number;
  clippedShare: number;
  noiseFloorDbfs: number | null;
}

/** A camera frame from the ring buffer (or a still taken now), with the camera's measured frame rate. */
export interface CameraShot {
  jpeg: Buffer;
  width: number;
  height: number;
  /** Frames per second measured over the buffered frames; undefined where it cannot be (a still camera, one frame). */
  fps?: number;
}

export type ButtonPress = 'short' | 'long' | 'double';

/**
 * The running service's devices and state, reachable from the outside: `snapask doctor` and calibration through
 * the control socket (ControlServer / ControlClient), the console in-process. Every method uses what the service
 * already has open (the microphone it reads, the camera's ring buffer, its speaker and LEDs): never a device twice.
 * Failures are ControlError with a message for a person. Asynchronous throughout, so a remote one looks the same.
 */
export interface DeviceControl {
  state(): Promise<ServiceState>;
  /** Called on every change of state; returns the unsubscribe. */
  onState(listener: (s: ServiceState) => void): () => void;
  /** Microphone off (nothing recognised or kept, said aloud) or on again. */
  setMuted(muted: boolean): Promise<ServiceState>;
  /** Meters the microphone for `seconds`, a reading about every 100 ms; the summary at the end. */
  levels(seconds: number, onReading?: (r: LevelReading) => void): Promise<LevelSummary>;
  /** The newest camera frame. */
  frame(): Promise<CameraShot>;
  /** Says `text` through the service's speaker, after whatever it is saying now; resolves when it has been played. */
  speak(text: string): Promise<void>;
  /** The LEDs present. */
  leds(): Promise<LedName[]>;
  /** Lights exactly these LEDs (an empty list: all dark) until `releaseLeds`, over the states. */
  showLeds(lit: LedName[]): Promise<void>;
  /** The LEDs follow the service's states again. */
  releaseLeds(): Promise<void>;
  /**
   * The next button press within `seconds` (undefined if none), taken by the caller: it does not act on the
   * service (no "reply", no mute) while someone waits for it.
   */
  nextButtonPress(seconds: number): Promise<ButtonPress | undefined>;
}

/**
 * The running service's microphone lent out (`snapask calibrate` through the socket), beside DeviceControl: only
 * the service has it, and only for as long as the borrower holds it are the words it hears kept from the
 * recogniser and from any question.
 */
export interface MicrophoneLender {
  /** Refused (ControlError, code busy) while the service is busy with its owner; returns the give-back. */
  borrowMicrophone(): () => void;
  /** The microphone's next `seconds` of audio (16 kHz mono). */
  record(seconds: number): Promise<Int16Array>;
}

/** What a control request could not do, for a person: "no camera (camera.kind is none)". */
export class ControlError extends Error {
  override name = 'ControlError';
  constructor(
    message: string,
    /** A short machine word: no-camera, no-microphone, no-leds, no-button, bad-request, busy. */
    readonly code = 'failed',
  ) {
    super(message);
  }
}
