import { join } from 'node:path';
import type { Logger } from 'pino';
import { AudioAnalysis } from '../audio/audio-analysis';
import { SAMPLE_RATE, samplesIn, type AudioChunk, type AudioSource } from '../audio/audio-source';
import { ClipMonitor } from '../audio/clip-monitor';
import { PlaybackReference } from '../audio/playback-reference';
import type { FrameSource } from '../camera/frame';
import { type Config, type ConfigSource, spokenCommands } from '../config/config';
import type { SecretsFile, SecretsSource } from '../config/secrets-file';
import { HistoryStore } from '../console/history-store';
import { ServiceConsole } from '../console/start-console';
import { ControlServer } from '../control/control-server';
import { ServiceControl } from '../control/service-control';
import type { ButtonEvent } from '../indicator/button';
import { FanoutIndicator } from '../indicator/fanout-indicator';
import type { GpioDevices } from '../indicator/gpio-devices';
import { LogIndicator, type Indicator } from '../indicator/indicator';
import { redactText } from '../log';
import type { CloudTranscriber } from '../recognition/cloud-transcriber';
import { commandRules, type CommandRules } from '../recognition/command-words';
import { createRecogniser } from '../recognition/create-recogniser';
import type { CommandRecogniser } from '../recognition/recogniser';
import { BargeIn } from '../speech/barge-in';
import { CueIndicator, loadCues } from '../speech/cues';
import type { RoomSpeaker } from '../speech/speaker';
import type { TurnEvent } from '../turn/turn-events';
import type { TurnLogic } from '../turn/turn-logic';
import { consoleSetup } from './console-setup';
import { createTranscriber } from './create-transcriber';
import type { DeviceSources } from './devices';
import { createAssistantSide, type AssistantSide } from './thread-manager-factory';
import { createTurnLogic } from './turn-factory';

/** The service's own parts beyond the appliance: the web console and the control socket. */
export interface ServiceParts {
  /** Where each config key's value came from (loadConfig), for the console. */
  sources: Record<string, ConfigSource>;
  /** The watched secrets file the console writes. */
  secretsFile: SecretsFile;
  /** The control socket's path. */
  controlSocket: string;
}

export interface ApplianceOptions {
  config: Config;
  secrets: SecretsSource;
  log: Logger;
  devices: DeviceSources;
  /** Every turn event (the console hears them too). */
  emit: (e: TurnEvent) => void;
  /** More reporters of the states (systemd's STATUS=). */
  reporters?: Indicator[];
  /** What it is doing while it starts (systemd's STATUS=). */
  status?: (what: string) => void;
  /** The microphone was lost after start / came back (beyond the log and the error LED). */
  onMicrophoneLost?: () => void;
  onMicrophoneBack?: () => void;
  /** The service on the device; a replay has none. */
  service?: ServiceParts;
}

/**
 * The appliance, built in one place for `run` and `replay` (which differ only in their device sources): the
 * indicators (LEDs, cues, the console's view), the recogniser stack (echo cancelling, noise suppression, the
 * command rules, the cloud transcriber), the camera, the speaker with the barge-in gate, clip monitoring, the turn
 * logic and the assistant side, the button, the control of its devices (and, for the service, the console and the
 * control socket). `listen()` runs the audio loop until the microphone ends; `finish()` then closes it all.
 */
export class Appliance {
  readonly fanout: FanoutIndicator;
  /** The states, with the cues played beside them where there are cues. */
  readonly indicator: Indicator;
  readonly cues?: CueIndicator;
  readonly gpio?: GpioDevices;
  readonly rules: CommandRules;
  readonly cloud?: CloudTranscriber;
  readonly recogniser: CommandRecogniser;
  readonly frames?: FrameSource;
  readonly console?: ServiceConsole;
  readonly audio: AudioSource;
  readonly speaker: RoomSpeaker;
  readonly side: AssistantSide;
  readonly turn: TurnLogic;
  readonly control: ServiceControl;
  private readonly clipping: ClipMonitor;
  /** The microphone's level analysis, once per chunk: the meter, the recogniser and the turn read it. */
  private readonly room = new AudioAnalysis();
  private readonly bargeIn: BargeIn;
  private controlServer?: ControlServer;
  private controlListening?: Promise<void>;

  private constructor(
    private readonly o: ApplianceOptions,
    parts: {
      reporters: Indicator[];
      fanout: FanoutIndicator;
      cues?: CueIndicator;
      speaker: RoomSpeaker;
      gpio?: GpioDevices;
      rules: CommandRules;
      echo?: PlaybackReference;
      cloud?: CloudTranscriber;
      recogniser: CommandRecogniser;
      frames?: FrameSource;
    },
  ) {
    const { config, secrets, log, devices } = o;
    const clock = devices.clock;
    const { reporters, fanout, rules, echo, cloud, frames } = parts;
    this.fanout = fanout;
    this.cues = parts.cues;
    this.indicator = parts.cues ?? fanout;
    this.gpio = parts.gpio;
    this.rules = rules;
    this.cloud = cloud;
    this.recogniser = parts.recogniser;
    this.frames = frames;
    const indicator = this.indicator;

    this.audio = devices.microphone({
      onLost: (why) => {
        log.error(why);
        indicator.set('error', why);
        o.onMicrophoneLost?.();
      },
      onBack: () => {
        log.info('microphone back');
        o.onMicrophoneBack?.();
        indicator.set('listening');
      },
    });
    this.speaker = parts.speaker;
    this.clipping = new ClipMonitor({ onClipping: (m) => log.warn(m) });
    // Given what the speaker plays, the recogniser stack cancels the echo and drops the device's own voice
    // (createRecogniser), so the user's commands over playback count.
    this.bargeIn = new BargeIn(this.speaker, { onStop: () => log.info('stop: playback ended'), ownVoiceFiltered: !!echo });
    let consoleSide: ServiceConsole | undefined;
    const emit = (e: TurnEvent) => {
      o.emit(e);
      consoleSide?.onTurnEvent(e);
    };
    const side = createAssistantSide(config, secrets, log, {
      speaker: this.speaker,
      indicator,
      emit,
      // A full disk deletes the console's oldest history first (on disk even while the console is off).
      freeSpace: [
        {
          what: 'old console history entries',
          free: () => (consoleSide ? consoleSide.shedHistory() : new HistoryStore(config.stateDir, config.console.history, { onError: (m) => log.warn(m), thumbnails: false }).shed()),
        },
      ],
      ...(cloud ? { cloud: { transcriber: cloud, rules } } : {}),
    });
    this.side = side;
    // "recording": speech that may become a question is held (the turn logic's rule: question.maxPauseSeconds).
    const speaker = this.speaker;
    this.turn = createTurnLogic(side, {
      commands: rules.words,
      frames,
      cloud,
      indicator,
      log,
      emit,
      maxPauseSeconds: config.question.maxPauseSeconds,
      onQuestion: (open) => (open ? fanout.questionStarted() : fanout.questionEnded()),
      playingDuring: (start, end) => speaker.playingDuring(start, end),
    });
    const turn = this.turn;

    // doctor, calibration and the console reach the devices through this, never opening them a second time.
    this.control = new ServiceControl({
      clock, indicator: fanout, pictures: () => turn.pictures, frames: () => frames,
      say: (text) => side.sender.sayLine(text), leds: parts.gpio?.leds, hasButton: !!parts.gpio?.button,
    });
    reporters.push(this.control);

    // The web console: it sees the devices through these parts (ring buffer, the control's record of the states
    // and the microphone's level), read only.
    const service = o.service;
    if (service && config.console.enabled) {
      consoleSide = new ServiceConsole({
        options: config.console,
        stateDir: config.stateDir,
        setup: consoleSetup({ config, sources: service.sources, secrets: service.secretsFile, log, control: this.control }),
        redact: (t) => redactText(t, service.secretsFile.redactionValues()),
        log,
        frames,
        control: this.control,
        turnDir: (turn) => join(config.stateDir, 'turns', turn),
      });
      this.console = consoleSide;
    }
  }

  /**
   * Opens the devices and builds the rest: the LEDs and the button first (presses before the turn logic exists
   * are logged and dropped), then the recogniser (the model loads), the camera (on the device one that fails
   * leaves it voice-only), the microphone, the speaker and everything between them.
   */
  static async build(o: ApplianceOptions): Promise<Appliance> {
    const { config, secrets, log, devices } = o;
    const reporters: Indicator[] = [...(o.reporters ?? [])];
    const fanout = new FanoutIndicator(reporters);
    // What the speaker plays (cues too), for the echo canceller in front of the recogniser.
    const echo = devices.echoCancel ? new PlaybackReference(config.speaker.echoLatencyMs / 1000) : undefined;
    // One player for the voice and the cues: the speaker takes one sound at a time.
    const speaker = devices.speaker({ onError: (m) => log.error(m), ...(echo ? { echo } : {}) });
    // A click for a snapshot, a chime when the question goes, a low tone on error: played with the LEDs' states.
    const cues = speaker.cues ? new CueIndicator(fanout, loadCues(), speaker.cues, (m) => log.warn(m)) : undefined;

    // Presses before the turn logic exists (the model is still loading) are logged and dropped.
    let onButton = (e: ButtonEvent) => log.info({ button: e.press }, 'button pressed while starting: ignored');
    let gpio: GpioDevices | undefined;
    if (devices.gpio) {
      try {
        gpio = await devices.gpio((e) => onButton(e));
        reporters.push(gpio.leds);
        log.info({ chip: config.gpio.chip, buttonPin: gpio.button ? config.gpio.button : null }, 'status LEDs ready');
      } catch (e) {
        log.error({ err: (e as Error).message }, 'status LEDs and button not available: states go to the log');
      }
    }
    if (!gpio) reporters.push(new LogIndicator(log));

    o.status?.('loading the speech model');
    const rules = commandRules(spokenCommands(config), config.recogniser);
    const cloud = createTranscriber(config, secrets, rules, (m) => log.warn(m));
    // With the cloud writing the question, the offline engine listens for the command words only (no language model).
    const recogniser = createRecogniser(config.recogniser, rules, {
      transcribe: !cloud,
      ...(echo ? { echo } : {}),
      stateDir: config.stateDir,
      followCalibration: !!o.service,
      warn: (m) => log.warn(m),
      info: (m) => log.info(m),
    });
    log.info({ mode: cloud ? 'cloud' : 'offline', model: cloud ? config.transcription.model : undefined }, `transcription: ${cloud ? 'cloud' : 'offline'}`);

    let frames: FrameSource | undefined;
    let cameraKind: string = config.camera.kind;
    if (config.camera.kind !== 'none') o.status?.('starting the camera');
    try {
      const camera = await devices.camera({
        onEvent: (e) => log.warn({ camera: e.type }, e.detail),
        onChoice: (c) => {
          cameraKind = c.kind;
          log.info({ camera: c.kind }, `camera.kind auto: ${c.why}`);
        },
      });
      await camera?.start();
      frames = camera;
      if (camera) log.info({ camera: cameraKind }, 'camera running');
      else if (cameraKind === 'none' && config.camera.kind === 'auto') log.warn('no camera found: running voice-only (connect a Pi camera or a USB webcam and restart)');
    } catch (e) {
      if (!devices.voiceOnlyWithoutCamera) {
        recogniser.close();
        gpio?.close();
        throw e;
      }
      log.error({ err: (e as Error).message }, 'camera not available: running voice-only');
    }
    const app = new Appliance(o, { reporters, fanout, cues, speaker: speaker.voice, gpio, rules, echo, cloud, recogniser, frames });
    onButton = (e) => app.button(e);
    return app;
  }

  /** Whether it runs without a camera. */
  get voiceOnly(): boolean {
    return !this.frames;
  }

  /** Starts the console (if any), restores the spooled questions and opens the control socket (the service's). */
  async start(onSpoolUnreadable: (turn: string, why: string) => void): Promise<void> {
    const { log } = this.o;
    const clock = this.o.devices.clock;
    await this.console?.start({
      say: (text, o) => this.side.sender.announce(text, o),
      ask: (text, snapshot) => {
        this.fanout.questionEnded();
        // The newest buffered frame; a still camera (none buffered) takes one now.
        return this.turn.ask(text, clock.now(), snapshot ? (this.frames?.latest?.()?.t ?? clock.now()) : undefined);
      },
    });
    // Questions from before a crash or power cut: sent (exactly once) or continued.
    this.turn.restore(await this.side.spool.list(onSpoolUnreadable));
    const socket = this.o.service?.controlSocket;
    if (socket) {
      const server = new ControlServer(this.control, (m) => log.warn(m), (f, m) => log.info(f, m));
      this.controlServer = server;
      this.controlListening = server.listen(socket).then(
        () => log.info({ socket }, 'control socket ready'),
        (e: Error) => log.warn({ socket, err: e.message }, 'no control socket: snapask doctor opens the devices itself'),
      );
    }
  }

  /**
   * The button: a short press answers an action waiting for "confirm", or else ends the question like "reply";
   * a long press drops the open question and starts a new conversation; a double press turns the microphone off or on.
   */
  private button(e: ButtonEvent): void {
    const { log } = this.o;
    const { control, side, turn, fanout } = this;
    log.info({ button: e.press, t: e.t }, `button: ${e.press} press`);
    if (control.claimButton(e)) return;
    if (e.press === 'double') {
      void control.toggleMute().then((s) => log.info({ muted: s.muted }, s.muted ? 'microphone off' : 'microphone on'));
      return;
    }
    if (e.press === 'short' && side.gate.confirm()) return;
    fanout.questionEnded();
    if (e.press === 'short') {
      turn.replyNow(e.t);
      // A question held back (no network) is tried again now too.
      side.sender.retryNow();
      return;
    }
    turn.startOver(e.t);
    side.sender.newConversation().catch((err: Error) => log.error({ err: err.message }, 'could not start a new conversation'));
  }

  /** The audio loop, until the microphone ends; `afterChunk` follows each chunk (readiness, the watchdog). */
  async listen(afterChunk?: (chunk: AudioChunk) => void): Promise<void> {
    const { control, turn, recogniser, cloud } = this;
    for await (const chunk of this.audio) {
      const heard = { ...chunk, analysis: this.room.push(chunk) };
      control.hear(heard);
      // Muted: the sound goes no further, neither to the recogniser nor into a question's audio.
      if (!control.muted) {
        cloud?.hear(chunk);
        this.clipping.push(heard);
        for (const e of this.bargeIn.filter(recogniser.accept(heard))) turn.onRecognition(e);
        turn.onAudio(heard);
      } else {
        turn.onAudioTime(chunk.t + samplesIn(chunk.pcm) / SAMPLE_RATE);
      }
      afterChunk?.(chunk);
    }
    for (const e of recogniser.flush()) turn.onRecognition(e);
  }

  /** After the audio loop: the control socket closed, the questions finished, the answers said, the camera stopped. */
  async finish(): Promise<void> {
    await this.controlListening;
    await this.controlServer?.close();
    await this.turn.finish();
    await this.console?.close();
    await this.side.sender.stop();
    await this.frames?.stop();
  }

  /** The recogniser and the GPIO lines freed (also after a failed start). */
  close(): void {
    this.recogniser.close();
    this.gpio?.close();
  }
}
