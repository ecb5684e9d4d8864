import { SAMPLE_RATE, type AudioChunk } from '../audio/audio-source';
import { LevelMeter } from '../audio/level-meter';
import type { FrameSource } from '../camera/frame';
import type { Clock } from '../clock';
import { jpegSize } from '../image/jpeg-size';
import type { ButtonEvent } from '../indicator/button';
import type { FanoutIndicator } from '../indicator/fanout-indicator';
import type { Indicator, IndicatorState } from '../indicator/indicator';
import type { GpioLedIndicator, LedName } from '../indicator/led-indicator';
import {
  ControlError,
  type Activity,
  type ButtonPress,
  type CameraShot,
  type DeviceControl,
  type LevelReading,
  type LevelSummary,
  type ServiceState,
} from './device-control';
import { MicMeter, type MicLevel } from './mic-meter';

/** What the control is made of: the service's own parts (or, for `snapask doctor` alone, ones it opened itself). */
export interface ControlParts {
  clock: Clock;
  /** The states as shown (question, mute and setup applied); absent: always "listening". */
  indicator?: FanoutIndicator;
  /** Pictures of the open question. */
  pictures?: () => number;
  /** The camera, if one runs. */
  frames?: () => FrameSource | undefined;
  /** Says a line through the speaker (in turn with the answers); resolves when played, rejects when it could not be. */
  say: (text: string) => Promise<void>;
  leds?: GpioLedIndicator;
  hasButton?: boolean;
}

const ACTIVITY: Record<IndicatorState, Activity> = {
  idle: 'starting',
  listening: 'listening',
  recording: 'question',
  snapshot: 'question',
  thinking: 'thinking',
  speaking: 'speaking',
  error: 'error',
  muted: 'muted',
  'needs-setup': 'needs-setup',
};

/** Why the microphone is not lent out now: the words said for calibration would end a question or talk over an answer. */
const BUSY: Partial<Record<Activity, string>> = {
  question: 'a question is open (say "reply" or "cancel" first)',
  thinking: 'it is answering a question',
  speaking: 'it is speaking',
  muted: 'its microphone is muted (turn it on first: double press the button)',
};

/** Seconds of buffered frames the frame rate is measured over. */
const FPS_SPAN = 2;

/**
 * The DeviceControl of a running service, built from its parts: it meters the audio the service reads (`hear`),
 * takes frames from the camera's ring buffer, speaks through the service's voice, lights its LEDs and takes the
 * button's presses while someone waits for one (`claimButton`). It also keeps the mute: `muted` is read by the
 * audio loop, which then drops the audio before the recogniser and the question audio. Independent of any
 * transport: the socket server and the console both call it.
 */
export class ServiceControl implements DeviceControl, Indicator {
  private mutedNow = false;
  /** Recordings lent out (calibration): the audio goes no further while one runs. */
  private lent = 0;
  private readonly listeners = new Set<(s: ServiceState) => void>();
  private readonly meters = new Set<(chunk: AudioChunk) => void>();
  private buttonWaiter?: (p: ButtonPress) => void;
  /** The LED shown (a snapshot's flash aside) and what it said (an error's reason). */
  private lit: { state: IndicatorState; detail?: string } = { state: 'idle' };
  private readonly meter = new MicMeter();

  constructor(private readonly parts: ControlParts) {}

  /** The audio loop drops the audio (before the recogniser and the question's audio): the microphone is off, or lent to a calibration. */
  get muted(): boolean {
    return this.mutedNow || this.lent > 0;
  }

  /**
   * The microphone lent out (calibration asks for the command words, which must not act): until the returned
   * function is called, nothing is recognised or kept, as when muted, but nothing is said and the state stays.
   */
  lend(): () => void {
    this.lent++;
    let back = false;
    return () => {
      if (!back) this.lent--;
      back = true;
    };
  }

  /**
   * lend() to someone outside the service (`snapask calibrate` through the socket), refused (busy) while the
   * service is busy with its owner or another calibration has the microphone.
   */
  borrowMicrophone(): () => void {
    if (this.lent > 0) throw new ControlError('a calibration is already running (from the console or another snapask calibrate)', 'busy');
    const why = this.mutedNow ? BUSY.muted : BUSY[this.current().activity];
    if (why) throw new ControlError(why, 'busy');
    return this.lend();
  }

  async state(): Promise<ServiceState> {
    return this.current();
  }

  /** The state now (synchronous, for the service's own use). */
  current(): ServiceState {
    const shown = this.parts.indicator?.shown ?? 'listening';
    const pictures = this.parts.pictures?.() ?? 0;
    let activity = ACTIVITY[shown];
    if (activity === 'listening' && pictures > 0) activity = 'question';
    const detail = activity === 'needs-setup' ? this.parts.indicator?.setupNeeded : undefined;
    return { activity, pictures, muted: this.mutedNow, voiceOnly: !this.parts.frames?.(), ...(detail ? { detail } : {}) };
  }

  onState(listener: (s: ServiceState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** As an indicator target: every state change is passed on to the listeners. */
  set(state: IndicatorState, detail?: string): void {
    // The snapshot LED only flashes over the others: the picture count says it.
    if (state !== 'snapshot') this.lit = detail === undefined ? { state } : { state, detail };
    this.changed();
  }

  /** The LED lit now (a snapshot's flash aside) and its detail (an error's reason), for the console. */
  shownLed(): { state: IndicatorState; detail?: string } {
    return this.lit;
  }

  /** The microphone's level now (the last chunk, the noise floor, clipping), for the console's meter. */
  micLevel(): MicLevel {
    return this.meter.current();
  }

  async setMuted(muted: boolean): Promise<ServiceState> {
    if (muted !== this.mutedNow) {
      this.mutedNow = muted;
      this.parts.indicator?.muted(muted);
      this.changed();
      await this.parts.say(muted ? 'Microphone off.' : 'Microphone on.').catch(() => undefined);
    }
    return this.current();
  }

  toggleMute(): Promise<ServiceState> {
    return this.setMuted(!this.mutedNow);
  }

  /** Every chunk the microphone delivers, muted or not (metering is no recording: nothing is kept). */
  hear(chunk: AudioChunk): void {
    this.meter.push(chunk);
    for (const m of this.meters) m(chunk);
  }

  levels(seconds: number, onReading?: (r: LevelReading) => void): Promise<LevelSummary> {
    const meter = new LevelMeter(onReading);
    return this.listen('levels', seconds, (chunk) => {
      meter.push(chunk.pcm);
      return meter.seconds;
    }).then(() => meter.summary());
  }

  /** The microphone's next `seconds` of audio, from the chunks the service reads (16 kHz mono). */
  async record(seconds: number): Promise<Int16Array> {
    const out = new Int16Array(Math.round(seconds * SAMPLE_RATE));
    let got = 0;
    await this.listen('record', seconds, (chunk) => {
      const n = Math.min(out.length - got, chunk.pcm.length >> 1);
      for (let i = 0; i < n; i++) out[got + i] = chunk.pcm.readInt16LE(i * 2);
      got += n;
      return got / SAMPLE_RATE;
    });
    return out;
  }

  /** Hands the microphone's chunks to `take` (which says how many seconds it has) until it has `seconds`. */
  private listen(what: string, seconds: number, take: (chunk: AudioChunk) => number): Promise<void> {
    if (!(seconds > 0 && seconds <= 60)) return Promise.reject(new ControlError(`${what}: seconds must be from 0 to 60, got ${seconds}`, 'bad-request'));
    return new Promise((resolve, reject) => {
      let had = 0;
      const done = (e?: Error) => {
        clearTimeout(timer);
        this.meters.delete(feed);
        if (e) reject(e);
        else resolve();
      };
      const feed = (chunk: AudioChunk) => {
        had = take(chunk);
        if (had >= seconds) done();
      };
      // The microphone delivers in real time: well past `seconds` without enough sound, it is not delivering.
      const timer = setTimeout(
        () => done(new ControlError(`the microphone delivered ${had.toFixed(1)} s of sound in ${seconds + 3} s: it is not working (see the log)`, 'no-microphone')),
        (seconds + 3) * 1000,
      );
      timer.unref();
      this.meters.add(feed);
    });
  }

  async frame(): Promise<CameraShot> {
    const frames = this.parts.frames?.();
    if (!frames) throw new ControlError('no camera is running (camera.kind is none, or it failed at start: see the log)', 'no-camera');
    const now = this.parts.clock.now();
    if (frames.capture) {
      const still = await frames.capture(now);
      if (!still) throw new ControlError('the camera took no picture (see the log)', 'no-camera');
      return { jpeg: still.jpeg, ...jpegSize(still.jpeg) };
    }
    const newest = frames.frameAt(now - 0.5);
    if (!newest) throw new ControlError('the camera has sent no frame for half a second: it has stalled or stopped (see the log)', 'no-camera');
    const oldest = frames.frameAt(now - FPS_SPAN - 0.5);
    const span = oldest ? newest.t - oldest.t : 0;
    const fps = oldest && span > 0.2 ? Math.round(((newest.index - oldest.index) / span) * 10) / 10 : undefined;
    return { jpeg: newest.jpeg, ...jpegSize(newest.jpeg), ...(fps !== undefined ? { fps } : {}) };
  }

  async speak(text: string): Promise<void> {
    if (!text.trim()) throw new ControlError('speak: nothing to say', 'bad-request');
    await this.parts.say(text);
  }

  async leds(): Promise<LedName[]> {
    return this.parts.leds?.names ?? [];
  }

  async showLeds(lit: LedName[]): Promise<void> {
    const leds = this.parts.leds;
    if (!leds) throw new ControlError('no status LEDs (gpio.enabled is false, or GPIO failed at start: see the log)', 'no-leds');
    const unknown = lit.filter((n) => !leds.names.includes(n));
    if (unknown.length) throw new ControlError(`no such LED: ${unknown.join(', ')} (there are: ${leds.names.join(', ')})`, 'bad-request');
    leds.override(lit);
  }

  async releaseLeds(): Promise<void> {
    this.parts.leds?.release();
  }

  nextButtonPress(seconds: number): Promise<ButtonPress | undefined> {
    if (!this.parts.hasButton) return Promise.reject(new ControlError('no button (gpio.button is null, gpio.enabled is false, or GPIO failed at start)', 'no-button'));
    if (this.buttonWaiter) return Promise.reject(new ControlError('someone else is already waiting for the button', 'busy'));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.buttonWaiter = undefined;
        resolve(undefined);
      }, seconds * 1000);
      this.buttonWaiter = (p) => {
        clearTimeout(timer);
        this.buttonWaiter = undefined;
        resolve(p);
      };
    });
  }

  /** A press of the button: true when someone waiting for it took it (the service then does nothing with it). */
  claimButton(e: ButtonEvent): boolean {
    if (!this.buttonWaiter) return false;
    this.buttonWaiter(e.press);
    return true;
  }

  private changed(): void {
    const s = this.current();
    for (const l of this.listeners) l(s);
  }
}
