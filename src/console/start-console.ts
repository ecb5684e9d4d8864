import type { Logger } from 'pino';
import type { FrameSource } from '../camera/frame';
import type { ServiceControl } from '../control/service-control';
import type { TurnEvent } from '../turn/turn-events';
import { ConsoleAuth, consoleDir } from './console-auth';
import { activityOf, type ConsoleDevices, type DeviceActivity } from './console-devices';
import { ConsoleServer, type ConsoleSetup } from './console-server';
import { HistoryRecorder } from './history-recorder';
import { HistoryStore, type HistoryLimits } from './history-store';

/** The console's own settings (the config's `console` section is one). */
export interface ConsoleOptions {
  host: string;
  port: number;
  previewFps: number;
  history: HistoryLimits;
}

/** What the service hands the console: its own parts, never a second opening of a device. */
export interface ConsoleServiceParts {
  options: ConsoleOptions;
  stateDir: string;
  /** The setup page's view and changes (the secrets file, the settings overlay). */
  setup: ConsoleSetup;
  /** Takes the secrets' values out of a text shown on a page. */
  redact: (text: string) => string;
  log: Logger;
  frames: FrameSource | undefined;
  /** The one record of what the device is doing, of its LEDs and of the microphone's level. */
  control: ServiceControl;
  turnDir: (turn: string) => string;
}

/** Bound once the turn logic exists (it is built after the event sink the console feeds). */
export interface ConsoleActions {
  say(text: string, o?: { offline?: boolean }): void;
  /** A typed question; `snapshot`: with the frame captured now. Its turn id. */
  ask(text: string, snapshot: boolean): string;
}

/**
 * The console's side of the service: a turn-event sink (history), the web server, and the device as the service's
 * control keeps it (LED state, pictures of the open question, microphone level). `run` wires it and nothing else.
 */
export class ServiceConsole implements ConsoleDevices {
  private readonly history: HistoryStore;
  private readonly recorder: HistoryRecorder;
  private readonly listeners = new Set<(a: DeviceActivity) => void>();
  private readonly camera: DeviceActivity['camera'];
  private server?: ConsoleServer;
  private actions?: ConsoleActions;
  private lastHistoryError = 0;

  constructor(private readonly p: ConsoleServiceParts) {
    // A camera that keeps no stream (stills taken on demand) has nothing to preview.
    this.camera = !p.frames ? 'none' : p.frames.latest ? 'running' : 'stills only';
    p.control.onState(() => this.changed());
    this.history = new HistoryStore(p.stateDir, p.options.history, {
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
    // The picture count of the open question changes with these.
    if (e.event === 'snapshot' || e.event === 'queued' || e.event === 'message' || e.event === 'cancelled') this.changed();
    try {
      this.recorder.onEvent(e);
    } catch (err) {
      historyFailed(this.p.log, err);
    }
  }

  /** Room on a full disk: the oldest of the history goes (see HistoryStore.shed). */
  shedHistory(): Promise<number> {
    return this.history.shed();
  }

  async start(actions: ConsoleActions): Promise<void> {
    this.actions = actions;
    const { log, redact, options } = this.p;
    const server = new ConsoleServer({
      host: options.host,
      port: options.port,
      previewFps: options.previewFps,
      auth: new ConsoleAuth({ dir: consoleDir(this.p.stateDir) }),
      devices: this,
      history: this.history,
      setup: this.p.setup,
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
      log.info({ console: url }, `console on port ${options.port}: open http://<this device>:${options.port}/ and pair with the code it says (sudo snapask console code)`);
    } catch (e) {
      log.error({ err: (e as NodeJS.ErrnoException).code ?? (e as Error).message }, `console not available: cannot listen on ${options.host}:${options.port} (console.port; another program there?); the device works without it`);
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
    return this.p.control.micLevel();
  }

  activity(): DeviceActivity {
    return activityOf(this.p.control, this.camera);
  }

  onActivity(listener: (a: DeviceActivity) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    if (!this.listeners.size) return;
    const a = this.activity();
    for (const l of this.listeners) l(a);
  }

  say(text: string, o?: { offline?: boolean }): void {
    this.actions?.say(text, o);
  }

}

function historyFailed(log: Logger, err: unknown): void {
  log.error({ err: err instanceof Error ? err.message : String(err) }, 'console: history not updated');
}
