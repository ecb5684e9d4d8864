import type { Logger } from 'pino';
import type { AudioChunk } from '../audio/audio-source';
import type { FrameSource } from '../camera/frame';
import type { Config, ConfigSource } from '../config/config';
import { readFileSync } from 'node:fs';
import { parseSecretsText, type SecretsFile } from '../config/secrets-file';
import type { Indicator } from '../indicator/indicator';
import { redactText } from '../log';
import type { TurnEvent } from '../turn/turn-events';
import { ActivityTracker } from './activity-tracker';
import { ConsoleAuth, consoleDir } from './console-auth';
import type { ConsoleDevices } from './console-devices';
import { ConsoleServer, type ConsoleSetup } from './console-server';
import { HistoryRecorder } from './history-recorder';
import { HistoryStore } from './history-store';
import { MicMeter } from './mic-meter';
import { writeSecret } from './secrets-writer';
import { readSettingsOverlay, settingsOverlayPath, SettingsError, writeSettings } from '../config/settings-overlay';

/** The settings the setup page changes (in the settings overlay; checked by the config schema when written). */
const PAGE_SETTINGS = {
  'openai.model': { label: 'model' },
  'tts.voice': { label: 'voice' },
  'openai.detail': { label: 'picture detail', choices: ['low', 'high', 'auto', 'original'] },
} as const;
type PageSetting = keyof typeof PAGE_SETTINGS;

const SOURCE_WORDS: Record<ConfigSource, string> = { default: 'default', file: 'config file', overlay: 'this page', env: 'environment' };

const PAGE_SECRETS = {
  OPENAI_API_KEY: { label: 'OpenAI API key', valid: (v: string) => /^\S{8,300}$/.test(v), expected: 'a key without spaces (sk-...)' },
  ZAPIER_HOOK_URL: { label: 'Zapier hook URL', valid: (v: string) => /^https:\/\/\S{4,490}$/.test(v), expected: 'an https:// address' },
} as const;

/** What the service hands the console: its own parts, never a second opening of a device. */
export interface ConsoleServiceParts {
  config: Config;
  /** Where each config key's value came from (loadConfig). */
  sources: Record<string, ConfigSource>;
  secrets: SecretsFile;
  log: Logger;
  frames: FrameSource | undefined;
  turnDir: (turn: string) => string;
}

/** Bound once the turn logic exists (it is built after the indicator and the event sink the console feeds). */
export interface ConsoleActions {
  say(text: string): void;
  /** A typed question; `snapshot`: with the frame captured now. Its turn id. */
  ask(text: string, snapshot: boolean): string;
}

/**
 * The console's side of the service: an indicator (LED states), a turn-event sink (history, activity), the
 * microphone meter fed from the service's own chunks, and the web server. `run` wires it and nothing else.
 */
export class ServiceConsole implements ConsoleDevices {
  readonly indicator: Indicator;
  private readonly activityTracker: ActivityTracker;
  private readonly meter = new MicMeter();
  private readonly history: HistoryStore;
  private readonly recorder: HistoryRecorder;
  private server?: ConsoleServer;
  private actions?: ConsoleActions;
  private lastHistoryError = 0;

  constructor(private readonly p: ConsoleServiceParts) {
    // A camera that keeps no stream (stills taken on demand) has nothing to preview.
    this.activityTracker = new ActivityTracker(!p.frames ? 'none' : p.frames.latest ? 'running' : 'stills only');
    this.indicator = this.activityTracker;
    const h = p.config.console.history;
    this.history = new HistoryStore(p.config.stateDir, h, {
      onError: (m) => {
        // One line now and then: a full or read-only disk must not flood the journal; answers go on regardless.
        if (Date.now() - this.lastHistoryError < 600_000) return;
        this.lastHistoryError = Date.now();
        p.log.error(m);
      },
    });
    this.recorder = new HistoryRecorder(this.history, p.turnDir);
  }

  /** The turn logic's events, read only. */
  onTurnEvent(e: TurnEvent): void {
    this.activityTracker.onTurnEvent(e);
    try {
      this.recorder.onEvent(e);
    } catch (err) {
      historyFailed(this.p.log, err);
    }
  }

  /** Each microphone chunk, for the meter. */
  hear(chunk: AudioChunk): void {
    this.meter.push(chunk);
  }

  async start(actions: ConsoleActions): Promise<void> {
    this.actions = actions;
    const { config, log, secrets } = this.p;
    const redact = (t: string) => redactText(t, secrets.redactionValues());
    const server = new ConsoleServer({
      host: config.console.host,
      port: config.console.port,
      previewFps: config.console.previewFps,
      auth: new ConsoleAuth({ dir: consoleDir(config.stateDir) }),
      devices: this,
      history: this.history,
      setup: this.setup(),
      ask: (text, snapshot) => {
        const turn = actions.ask(text, snapshot);
        this.recorder.fromPage(turn);
        return turn;
      },
      redact,
      log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
    });
    try {
      const url = await server.listen();
      this.server = server;
      log.info({ console: url }, `console on port ${config.console.port}: open http://<this device>:${config.console.port}/ and pair with the code it says (sudo snapask console code)`);
    } catch (e) {
      log.error({ err: (e as NodeJS.ErrnoException).code ?? (e as Error).message }, `console not available: cannot listen on ${config.console.host}:${config.console.port} (console.port; another program there?); the device works without it`);
      await server.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.server?.close();
    await this.history.flushed();
  }

  latestFrame() {
    return this.p.frames?.latest?.();
  }

  micLevel() {
    return this.meter.current();
  }

  activity() {
    return this.activityTracker.current();
  }

  onActivity(listener: Parameters<ActivityTracker['onChange']>[0]): () => void {
    return this.activityTracker.onChange(listener);
  }

  say(text: string): void {
    this.actions?.say(text);
  }

  private setup(): ConsoleSetup {
    const { secrets, sources, config } = this.p;
    const overlay = () => {
      const read = readSettingsOverlay(settingsOverlayPath(config.stateDir));
      return new Map('entries' in read ? read.entries : []);
    };
    return {
      view: () => {
        // The file as it is now (the service's watch applies it a moment later), and the environment's names.
        const from = { env: secrets.describe().env as readonly string[], file: namesInFile(secrets.path) };
        return {
          secrets: Object.entries(PAGE_SECRETS).map(([name, s]) => ({
            name,
            label: s.label,
            set: from.env.includes(name) || from.file.includes(name),
            source: from.env.includes(name) ? 'environment' : 'secrets file',
          })),
          settings: (Object.keys(PAGE_SETTINGS) as PageSetting[]).map((key) => {
            // What it will be from the next start: the overlay's value (saved here), unless the environment's wins.
            const env = sources[key] === 'env';
            const saved = env ? undefined : overlay().get(key);
            const spec: { label: string; choices?: readonly string[] } = PAGE_SETTINGS[key];
            return {
              key,
              label: spec.label,
              value: String(saved ?? getKey(config, key)),
              source: SOURCE_WORDS[saved !== undefined ? 'overlay' : (sources[key] ?? 'default')],
              ...(spec.choices ? { choices: spec.choices } : {}),
            };
          }),
        };
      },
      setSecret: (name, raw) => {
        const spec = PAGE_SECRETS[name as keyof typeof PAGE_SECRETS];
        if (!spec) return 'Nothing set: unknown setting.';
        const value = raw.trim();
        if (!spec.valid(value)) return `Nothing set: the ${spec.label} must be ${spec.expected}.`;
        try {
          writeSecret(secrets.path, name as keyof typeof PAGE_SECRETS, value);
        } catch (e) {
          this.p.log.error({ err: (e as NodeJS.ErrnoException).code ?? 'error' }, `console: cannot write the secrets file ${secrets.path}`);
          return `Nothing set: the secrets file could not be written (${(e as NodeJS.ErrnoException).code ?? 'error'}).`;
        }
        this.p.log.info({ secret: name }, 'console: a secret was set from the setup page');
        return (secrets.describe().env as readonly string[]).includes(name)
          ? `${spec.label} saved, but ${name} in the service's environment wins over the file.`
          : `${spec.label} set: used from the next request.`;
      },
      setSetting: (key, value) => {
        if (!(key in PAGE_SETTINGS)) return 'Nothing saved: unknown setting.';
        const k = key as PageSetting;
        try {
          writeSettings(config.stateDir, { [k]: value.trim() });
        } catch (e) {
          if (e instanceof SettingsError) return `Nothing saved: ${e.message}.`;
          this.p.log.error({ err: (e as NodeJS.ErrnoException).code ?? (e as Error).message }, 'console: cannot write the settings overlay');
          return `Nothing saved: the settings file could not be written (${(e as NodeJS.ErrnoException).code ?? 'error'}).`;
        }
        if (sources[k] === 'env') return `${PAGE_SETTINGS[k].label} saved, but the service's environment sets it and wins.`;
        return `${PAGE_SETTINGS[k].label} saved: used from the next start.`;
      },
    };
  }
}

function getKey(config: Config, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);
}

function namesInFile(path: string): string[] {
  try {
    const vars = parseSecretsText(readFileSync(path, 'utf8'));
    return Object.keys(vars).filter((k) => vars[k]);
  } catch {
    return [];
  }
}

function historyFailed(log: Logger, err: unknown): void {
  log.error({ err: err instanceof Error ? err.message : String(err) }, 'console: history not updated');
}
