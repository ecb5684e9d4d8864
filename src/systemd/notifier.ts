import { spawn } from 'node:child_process';

/**
 * What the service tells its supervisor. On the device that is systemd
 * (Type=notify); elsewhere nobody listens and the messages go nowhere.
 */
export interface ServiceNotifier {
  /** Everything needed to serve is up (READY=1), with what it is doing. */
  ready(status: string): void;
  /** One line for `systemctl status` (STATUS=). */
  status(text: string): void;
  /** The pipeline is alive (WATCHDOG=1). */
  watchdog(): void;
  /** Shutting down on request (STOPPING=1). */
  stopping(): void;
  /** Resolves once every message handed over so far has been delivered (or failed). */
  flush(): Promise<void>;
}

/** No supervisor listening: NOTIFY_SOCKET is unset. */
export class NullNotifier implements ServiceNotifier {
  ready(): void {}
  status(): void {}
  watchdog(): void {}
  stopping(): void {}
  flush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface SystemdNotifyOptions {
  /** The environment with NOTIFY_SOCKET, passed to systemd-notify. */
  env: NodeJS.ProcessEnv;
  /** A message that could not be delivered (systemd-notify missing, socket gone). */
  onError: (message: string) => void;
  /** The systemd-notify binary; a name looked up on PATH. */
  command?: string;
}

/**
 * Messages through the `systemd-notify` binary. Node cannot send on a unix
 * datagram socket, so each message is one short-lived systemd-notify process;
 * its sender PID is that child, which is why the unit says NotifyAccess=all.
 * systemd-notify (systemd >= 246) waits on a BARRIER=1 round trip before it
 * exits, so the manager has matched the child to the service's cgroup by then.
 * Messages go out one at a time, in order.
 */
export class SystemdNotifier implements ServiceNotifier {
  private queue: Promise<void> = Promise.resolve();
  private pingInFlight = false;
  private failed = false;

  constructor(private readonly o: SystemdNotifyOptions) {}

  ready(status: string): void {
    this.send(['READY=1', `STATUS=${status}`]);
  }

  status(text: string): void {
    this.send([`STATUS=${text}`]);
  }

  watchdog(): void {
    // A ping still on its way is as good as a new one; never let them pile up.
    if (this.pingInFlight) return;
    this.pingInFlight = true;
    this.send(['WATCHDOG=1']).finally(() => (this.pingInFlight = false));
  }

  stopping(): void {
    this.send(['STOPPING=1', 'STATUS=stopping']);
  }

  flush(): Promise<void> {
    return this.queue;
  }

  private send(fields: string[]): Promise<void> {
    // One line per field: a status text must not smuggle in another assignment.
    const args = fields.map((f) => f.replace(/[\r\n]+/g, ' '));
    this.queue = this.queue.then(() => this.run(args));
    return this.queue;
  }

  private run(args: string[]): Promise<void> {
    return new Promise((resolve) => {
      const p = spawn(this.o.command ?? 'systemd-notify', args, { env: this.o.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('error', (e) => {
        this.report(`cannot run systemd-notify: ${e.message}`);
        resolve();
      });
      p.on('close', (code) => {
        if (code !== 0) this.report(`systemd-notify ${args[0]} failed (exit ${code}): ${err.trim().split('\n').pop() ?? ''}`);
        resolve();
      });
    });
  }

  private report(message: string): void {
    // Said once: a missing binary would otherwise fill the journal at the ping rate.
    if (this.failed) return;
    this.failed = true;
    this.o.onError(message);
  }
}

/** The notifier systemd asked for through the environment, or none. */
export function notifierFromEnv(env: NodeJS.ProcessEnv, onError: (message: string) => void): ServiceNotifier {
  return env.NOTIFY_SOCKET ? new SystemdNotifier({ env, onError }) : new NullNotifier();
}
