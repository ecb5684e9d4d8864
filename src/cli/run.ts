import { join } from 'node:path';
import type { Logger } from 'pino';
import { SAMPLE_RATE, samplesIn } from '../audio/audio-source';
import { ArecordSource } from '../audio/arecord-source';
import { ClipMonitor } from '../audio/clip-monitor';
import { createAssistantSide, needsApiKey } from '../app/thread-manager-factory';
import { InternetWatch } from '../app/internet-watch';
import { assertReachable } from '../app/reachability';
import { createTurnLogic } from '../app/turn-factory';
import type { FrameSource } from '../camera/frame';
import { createFrameSource } from '../camera/create-frame-source';
import { MonotonicClock } from '../clock';
import { type Config, type ConfigSource, spokenCommands } from '../config/config';
import type { SecretsFile } from '../config/secrets-file';
import type { ButtonEvent } from '../indicator/button';
import { FanoutIndicator } from '../indicator/fanout-indicator';
import { gpioOpener, openGpioDevices, type GpioDevices } from '../indicator/gpio-devices';
import { LogIndicator, type Indicator } from '../indicator/indicator';
import { PlaybackReference } from '../audio/playback-reference';
import { createRecogniser } from '../recognition/create-recogniser';
import { AplaySpeaker } from '../speech/aplay-speaker';
import { notifierFromEnv } from '../systemd/notifier';
import { StatusIndicator } from '../systemd/status-indicator';
import { PipelineWatchdog, watchdogPingInterval } from '../systemd/watchdog';
import { commandRules } from '../recognition/command-words';
import { createTranscriber } from '../recognition/create-transcriber';
import { BargeIn } from '../speech/barge-in';
import { CueIndicator, loadCues } from '../speech/cues';
import { createSynth } from '../speech/create-synth';
import type { TurnEvent } from '../turn/turn-events';
import { ServiceConsole } from '../console/start-console';
import { ControlServer } from '../control/control-server';
import { controlSocketPath } from '../control/protocol';
import { ServiceControl } from '../control/service-control';

/** While the API cannot be reached, how often to look again. */
const INTERNET_RETRY_MS = 10_000;

/**
 * The service on the device: microphone, camera, recogniser, assistant, speaker
 * and LEDs wired together. It runs until SIGTERM; a device fault is logged and
 * survived, and so is a missing API key (questions are kept until one is set);
 * only a broken configuration stops it at start.
 */
export async function runService(config: Config, secrets: SecretsFile, log: Logger, sources: Record<string, ConfigSource> = {}): Promise<number> {
  const clock = new MonotonicClock();
  // Its own secrets file, watched: a key set (or changed) while it runs is used by the next request.
  secrets.start(log);
  // systemd (Type=notify) hears readiness, STATUS= lines and watchdog pings; elsewhere nobody does.
  const notifier = notifierFromEnv(process.env, (m) => log.warn(m));
  const watchdog = new PipelineWatchdog(notifier, watchdogPingInterval(process.env));
  let voiceOnly = false;
  const reporters: Indicator[] = [new StatusIndicator(notifier, () => (voiceOnly ? ' (voice only)' : ''))];
  const fanout = new FanoutIndicator(reporters);
  // A click for a snapshot, a chime when the question goes, a low tone on error: played with the LEDs' states.
  const cues = config.speaker.cues ? new CueIndicator(fanout, loadCues(), config.speaker.device, (m) => log.warn(m)) : undefined;
  const indicator: Indicator = cues ?? fanout;

  // Presses before the turn logic exists (the model is still loading) are logged and dropped.
  let onButton = (e: ButtonEvent) => log.info({ button: e.press }, 'button pressed while starting: ignored');
  let gpio: GpioDevices | undefined;
  if (config.gpio.enabled) {
    try {
      gpio = await openGpioDevices(config.gpio, clock, gpioOpener(config.gpio.sysfsRoot, log), (e) => onButton(e));
      reporters.push(gpio.leds);
      log.info({ chip: config.gpio.chip, buttonPin: gpio.button ? config.gpio.button : null }, 'status LEDs ready');
    } catch (e) {
      log.error({ err: (e as Error).message }, 'status LEDs and button not available: states go to the log');
    }
  }
  if (!gpio) reporters.push(new LogIndicator(log));

  notifier.status('loading the speech model');
  const rules = commandRules(spokenCommands(config), config.recogniser);
  // What the speaker plays, for the echo canceller in front of the recogniser.
  const echo = config.speaker.echoCancel ? new PlaybackReference(config.speaker.echoLatencyMs / 1000) : undefined;
  const cloud = createTranscriber(config, secrets, rules, (m) => log.warn(m));
  // With the cloud writing the question, the offline engine listens for the command words only (no language model).
  const recogniser = createRecogniser(config.recogniser, rules, { transcribe: !cloud, ...(echo ? { echo } : {}), stateDir: config.stateDir, warn: (m) => log.warn(m) });
  log.info({ mode: cloud ? 'cloud' : 'offline', model: cloud ? config.transcription.model : undefined }, `transcription: ${cloud ? 'cloud' : 'offline'}`);

  let frames: FrameSource | undefined;
  let cameraKind: string = config.camera.kind;
  if (config.camera.kind !== 'none') notifier.status('starting the camera');
  try {
    const camera = await createFrameSource(config.camera, {
      clock,
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
    log.error({ err: (e as Error).message }, 'camera not available: running voice-only');
  }
  voiceOnly = !frames;
  // The web console: it sees the devices through these parts (ring buffer, microphone chunks, LED states), read only.
  const consoleSide = config.console.enabled
    ? new ServiceConsole({ config, sources, secrets, log, frames, turnDir: (turn) => join(config.stateDir, 'turns', turn) })
    : undefined;
  if (consoleSide) reporters.push(consoleSide.indicator);

  let lostPings: NodeJS.Timeout | undefined;
  let ready = false;
  const audio = new ArecordSource({
    device: config.audio.device,
    clock,
    reopenMs: config.audio.reopenMs,
    reopenMaxMs: config.audio.reopenMaxMs,
    onLost: (why) => {
      log.error(why);
      indicator.set('error', why);
      // A microphone known to be gone after start is not a hung pipeline: the reopen loop is alive, so systemd
      // hears that. Before the first sound there is no readiness and no ping: systemd's start timeout applies.
      if (ready) lostPings ??= setInterval(() => watchdog.alive(clock.now()), 1000);
    },
    onBack: () => {
      log.info('microphone back');
      clearInterval(lostPings);
      lostPings = undefined;
      indicator.set('listening');
    },
  });
  const speaker = new AplaySpeaker({
    device: config.speaker.device,
    synth: createSynth(config, secrets, (m) => log.warn(m)),
    clock,
    onError: (m) => log.error(m),
    ...(echo ? { echo } : {}),
  });
  const clipping = new ClipMonitor({ onClipping: (m) => log.warn(m) });
  const bargeIn = new BargeIn(speaker, () => log.info('stop: playback ended'));
  const emit = (e: TurnEvent) => {
    if (e.event === 'error') log.error({ turn: e }, e.message);
    else log.info({ turn: e }, e.event);
    consoleSide?.onTurnEvent(e);
  };
  const side = createAssistantSide(config, secrets, log, {
    speaker,
    indicator,
    emit,
    ...(cloud ? { cloud: { transcriber: cloud, rules } } : {}),
  });
  // "recording": speech that may become a question is held (the turn logic's rule: question.maxPauseSeconds).
  const turn = createTurnLogic(side, {
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
  await consoleSide?.start({
    say: (text) => side.sender.announce(text),
    ask: (text, snapshot) => {
      fanout.questionEnded();
      // The newest buffered frame; a still camera (none buffered) takes one now.
      return turn.ask(text, clock.now(), snapshot ? (frames?.latest?.()?.t ?? clock.now()) : undefined);
    },
  });
  // Questions from before a crash or power cut: sent (exactly once) or continued.
  turn.restore(await side.spool.list((id, why) => log.error({ turn: id }, `spooled turn unreadable: ${why}`)));
  const sweep = () => (needsApiKey(config, secrets.current()) ? Promise.resolve() : side.janitor.sweep().catch((e: Error) => log.warn({ err: e.message }, 'file cleanup failed')));
  void sweep();
  const sweeper = setInterval(sweep, 3_600_000);
  sweeper.unref();

  // What the owner must set up before questions can go: shown together by the LEDs' needs-setup state.
  const setupNeeds = new Set<string>();
  const needSetup = (what: string, needed: boolean) => {
    if (needed) setupNeeds.add(what);
    else setupNeeds.delete(what);
    fanout.needsSetup(setupNeeds.size ? [...setupNeeds].join('; ') : undefined);
  };
  // No key: said once (log, speaker, the error LED blinking slowly), questions kept; a key set later is used at once.
  let keyMissing = false;
  const checkKey = () => {
    const missing = needsApiKey(config, secrets.current());
    if (missing === keyMissing) return;
    keyMissing = missing;
    if (missing) {
      log.error(`I need an OpenAI API key: put OPENAI_API_KEY=sk-... in ${secrets.path} (sudo nano ${secrets.path}); it is used as soon as the file is saved, no restart needed`);
      needSetup('no OpenAI API key', true);
      side.sender.announce('I need an OpenAI API key.');
    } else {
      log.info('OpenAI API key set: questions kept until now are sent');
      needSetup('no OpenAI API key', false);
    }
  };
  checkKey();
  // No network at start: said once, questions kept, sent as soon as the API answers again.
  const internet = new InternetWatch({
    probe: () => assertReachable(config.openai.baseURL),
    retryMs: INTERNET_RETRY_MS,
    onDown: (why) => {
      log.error(`I cannot reach the internet: ${why}; check the network cable or Wi-Fi (snapask doctor tests it); questions are kept and sent when it is back`);
      needSetup('no internet', true);
      side.sender.announce('I cannot reach the internet.');
    },
    onBack: () => {
      log.info('internet reachable again: questions kept until now are sent');
      needSetup('no internet', false);
      side.sender.retryNow();
    },
  });
  internet.start();
  secrets.onChange(() => {
    checkKey();
    // A new key: a question held (no key, or one refused) goes now.
    side.sender.retryNow();
    void sweep();
  });

  // doctor, calibration and the console reach the devices through this, never opening them a second time.
  const control = new ServiceControl({
    clock, indicator: fanout, pictures: () => turn.pictures, frames: () => frames,
    say: (text) => side.sender.sayLine(text), leds: gpio?.leds, hasButton: !!gpio?.button,
  });
  reporters.push(control);
  const controlServer = new ControlServer(control, (m) => log.warn(m));
  const socket = controlSocketPath(process.env, config.stateDir);
  const controlListening = controlServer.listen(socket).then(
    () => log.info({ socket }, 'control socket ready'),
    (e: Error) => log.warn({ socket, err: e.message }, 'no control socket: snapask doctor opens the devices itself'),
  );

  // The button: a short press answers an action waiting for "confirm", or else ends the question like "reply";
  // a long press drops the open question and starts a new conversation; a double press turns the microphone off or on.
  onButton = (e: ButtonEvent) => {
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
  };

  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    notifier.stopping();
    audio.stop();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  for await (const chunk of audio) {
    control.hear(chunk);
    consoleSide?.hear(chunk);
    // Muted: the sound goes no further, neither to the recogniser nor into a question's audio.
    if (!control.muted) {
      cloud?.hear(chunk);
      clipping.push(chunk);
      for (const e of bargeIn.filter(recogniser.accept(chunk))) turn.onRecognition(e);
      turn.onAudio(chunk);
    } else {
      turn.onAudioTime(chunk.t + samplesIn(chunk.pcm) / SAMPLE_RATE);
    }
    // Ready once sound has gone through the recogniser: config, model, camera (or voice-only) and microphone are all up.
    if (!ready) {
      ready = true;
      notifier.ready(voiceOnly ? 'listening (voice only: no camera)' : 'listening');
      indicator.set('listening');
      // After what it is saying now ("I need an OpenAI API key."): one sound at a time on the device.
      if (cues) void side.sender.quiet().then(() => cues.play('ready'));
      log.info({ voiceOnly }, 'listening');
    }
    watchdog.alive(clock.now());
  }
  for (const e of recogniser.flush()) turn.onRecognition(e);
  clearInterval(lostPings);
  await controlListening;
  await controlServer.close();
  await turn.finish();
  await consoleSide?.close();
  clearInterval(sweeper);
  internet.close();
  secrets.close();
  await side.sender.stop();
  await frames?.stop();
  recogniser.close();
  gpio?.close();
  await notifier.flush();
  log.info('stopped');
  // The microphone is reopened when it fails; ending otherwise is a failure: systemd's Restart=on-failure then brings the service back.
  return stopRequested ? 0 : 1;
}
