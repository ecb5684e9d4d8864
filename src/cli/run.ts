import type { Logger } from 'pino';
import { ArecordSource } from '../audio/arecord-source';
import { ClipMonitor } from '../audio/clip-monitor';
import { SAMPLE_RATE, samplesIn } from '../audio/audio-source';
import { createAssistantSide, needsApiKey } from '../app/thread-manager-factory';
import { InternetWatch } from '../app/internet-watch';
import { assertReachable } from '../app/reachability';
import { createTurnLogic } from '../app/turn-factory';
import type { FrameSource } from '../camera/frame';
import { createFrameSource } from '../camera/create-frame-source';
import { MonotonicClock } from '../clock';
import { type Config, spokenCommands } from '../config/config';
import type { SecretsFile } from '../config/secrets-file';
import type { ButtonEvent } from '../indicator/button';
import { FanoutIndicator } from '../indicator/fanout-indicator';
import { gpioOpener, openGpioDevices, type GpioDevices } from '../indicator/gpio-devices';
import { LogIndicator, type Indicator } from '../indicator/indicator';
import { PlaybackReference } from '../audio/playback-reference';
import { createRecogniser } from '../recognition/create-recogniser';
import type { CommandRecognitionEvent } from '../recognition/recogniser';
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

/** While the API cannot be reached, how often to look again. */
const INTERNET_RETRY_MS = 10_000;

/**
 * The service on the device: microphone, camera, recogniser, assistant, speaker
 * and LEDs wired together. It runs until SIGTERM; a device fault is logged and
 * survived, and so is a missing API key (questions are kept until one is set);
 * only a broken configuration stops it at start.
 */
export async function runService(config: Config, secrets: SecretsFile, log: Logger): Promise<number> {
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
  const indicator: Indicator = config.speaker.cues ? new CueIndicator(fanout, loadCues(), config.speaker.device, (m) => log.warn(m)) : fanout;

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
  const recogniser = createRecogniser(config.recogniser, rules, { ...(echo ? { echo } : {}), stateDir: config.stateDir, warn: (m) => log.warn(m) });
  const cloud = createTranscriber(config, secrets, rules, (m) => log.warn(m));

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
  const emit = (e: TurnEvent) => (e.event === 'error' ? log.error({ turn: e }, e.message) : log.info({ turn: e }, e.event));
  const side = createAssistantSide(config, secrets, log, {
    speaker,
    indicator,
    emit,
  });
  const turn = createTurnLogic(side, { commands: rules.words, frames, cloud, indicator, log, emit });
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

  // "recording" (a question is open) is known here, from what the recogniser heard; the turn logic only says "listening".
  let questionFrom = -Infinity;
  const noteQuestion = (e: CommandRecognitionEvent) => {
    if (e.type === 'keyword') {
      if (e.role === 'reply') {
        questionFrom = e.end;
        fanout.questionEnded();
      } else if (e.role === 'snapshot') {
        fanout.questionStarted();
      }
    } else if (e.words.some((w) => w.start >= questionFrom && !w.role)) {
      fanout.questionStarted();
    }
  };

  // The button: a short press answers an action waiting for "confirm", or else ends the question like "reply";
  // a long press drops the open question and starts a new conversation.
  onButton = (e: ButtonEvent) => {
    log.info({ button: e.press, t: e.t }, `button: ${e.press} press`);
    if (e.press === 'short' && side.gate.confirm()) return;
    questionFrom = e.t;
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
    cloud?.hear(chunk);
    clipping.push(chunk);
    for (const e of bargeIn.filter(recogniser.accept(chunk))) {
      noteQuestion(e);
      turn.onRecognition(e);
    }
    turn.onAudioTime(chunk.t + samplesIn(chunk.pcm) / SAMPLE_RATE);
    // Ready once sound has gone through the recogniser: config, model, camera (or voice-only) and microphone are all up.
    if (!ready) {
      ready = true;
      notifier.ready(voiceOnly ? 'listening (voice only: no camera)' : 'listening');
      indicator.set('listening');
      log.info({ voiceOnly }, 'listening');
    }
    watchdog.alive(clock.now());
  }
  for (const e of recogniser.flush()) turn.onRecognition(e);
  clearInterval(lostPings);
  await turn.finish();
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
