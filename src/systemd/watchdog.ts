import type { ServiceNotifier } from './notifier';

/**
 * The watchdog interval systemd asked for (WatchdogSec= arrives as
 * WATCHDOG_USEC), as seconds between pings: half of it, as sd_watchdog_enabled
 * advises. Undefined when there is no watchdog or it is meant for another PID.
 */
export function watchdogPingInterval(env: NodeJS.ProcessEnv, pid = process.pid): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return usec / 1e6 / 2;
}

/**
 * Pings come from the audio pipeline itself, not from a timer: `alive` is
 * called after each microphone chunk has been through the recogniser, so a
 * microphone that stops delivering or a recogniser that hangs stops the pings
 * and systemd restarts the service.
 */
export class PipelineWatchdog {
  private last = -Infinity;

  constructor(
    private readonly notifier: ServiceNotifier,
    private readonly intervalSeconds: number | undefined,
  ) {}

  /** `now`: seconds on a monotonic clock. */
  alive(now: number): void {
    if (this.intervalSeconds === undefined || now - this.last < this.intervalSeconds) return;
    this.last = now;
    this.notifier.watchdog();
  }
}
