import type { Logger } from 'pino';
import { Appliance } from '../app/appliance';
import { liveDevices } from '../app/devices';
import { InternetWatch } from '../app/internet-watch';
import { assertReachable } from '../app/reachability';
import { needsApiKey } from '../app/thread-manager-factory';
import type { Config, ConfigSource } from '../config/config';
import type { SecretsFile } from '../config/secrets-file';
import { controlSocketPath } from '../control/protocol';
import { notifierFromEnv } from '../systemd/notifier';
import { StatusIndicator } from '../systemd/status-indicator';
import { PipelineWatchdog, watchdogPingInterval } from '../systemd/watchdog';
import type { TurnEvent } from '../turn/turn-events';

/** While the API cannot be reached, how often to look again. */
const INTERNET_RETRY_MS = 10_000;

/**
 * The service on the device: the appliance (src/app/appliance.ts) on the device's own microphone, camera,
 * speaker and LEDs, plus what only a service has: systemd's readiness, status and watchdog, the key and internet
 * watches, the hourly file sweep and the signals. It runs until SIGTERM; a device fault is logged and
 * survived, and so is a missing API key (questions are kept until one is set);
 * only a broken configuration stops it at start.
 */
export async function runService(config: Config, secrets: SecretsFile, log: Logger, sources: Record<string, ConfigSource> = {}): Promise<number> {
  // Its own secrets file, watched: a key set (or changed) while it runs is used by the next request.
  secrets.start(log);
  // systemd (Type=notify) hears readiness, STATUS= lines and watchdog pings; elsewhere nobody does.
  const notifier = notifierFromEnv(process.env, (m) => log.warn(m));
  const watchdog = new PipelineWatchdog(notifier, watchdogPingInterval(process.env));
  const devices = liveDevices(config, secrets, log);
  const { clock } = devices;
  let voiceOnly = false;
  let lostPings: NodeJS.Timeout | undefined;
  let ready = false;
  const app = await Appliance.build({
    config,
    secrets,
    log,
    devices,
    emit: (e: TurnEvent) => {
      if (e.event === 'error') log.error({ turn: e }, e.message);
      else log.info({ turn: e }, e.event);
    },
    reporters: [new StatusIndicator(notifier, () => (voiceOnly ? ' (voice only)' : ''))],
    status: (what) => notifier.status(what),
    // A microphone known to be gone after start is not a hung pipeline: the reopen loop is alive, so systemd
    // hears that. Before the first sound there is no readiness and no ping: systemd's start timeout applies.
    onMicrophoneLost: () => {
      if (ready) lostPings ??= setInterval(() => watchdog.alive(clock.now()), 1000);
    },
    onMicrophoneBack: () => {
      clearInterval(lostPings);
      lostPings = undefined;
    },
    service: { sources, secretsFile: secrets, controlSocket: controlSocketPath(process.env, config.stateDir) },
  });
  voiceOnly = app.voiceOnly;
  const { side, fanout, cues, indicator } = app;
  await app.start((id, why) => log.error({ turn: id }, `spooled turn unreadable: ${why}`));
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

  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    notifier.stopping();
    app.audio.stop();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await app.listen(() => {
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
  });
  clearInterval(lostPings);
  await app.finish();
  clearInterval(sweeper);
  internet.close();
  secrets.close();
  app.close();
  await notifier.flush();
  log.info('stopped');
  // The microphone is reopened when it fails; ending otherwise is a failure: systemd's Restart=on-failure then brings the service back.
  return stopRequested ? 0 : 1;
}
