import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { SystemdNotifier } from '../../src/systemd/notifier';
import { NotifySocket } from '../systemd/notify-socket';
import { percentile, printMetric } from './metric';

/** The unit's sandboxing as systemd rates it (lower is safer); the target is 2.5. */
function systemdExposure(): void {
  const unit = resolve(__dirname, '../../../deploy/snapask.service');
  const out = execFileSync('systemd-analyze', ['security', '--offline=true', unit], { encoding: 'utf8', env: { ...process.env, SYSTEMD_COLORS: '0' } });
  const m = /Overall exposure level for snapask\.service: ([\d.]+)/.exec(out);
  printMetric({ metric: 'systemd_exposure', value: m ? Number(m[1]) : NaN, unit: 'exposure', target: 2.5 });
}

/**
 * One notification through the systemd-notify binary to a real socket, BARRIER
 * round trip included: what each watchdog ping costs (one every WatchdogSec/2 = 10 s).
 */
async function notifyCost(): Promise<void> {
  const sock = new NotifySocket();
  await sock.ready();
  const notifier = new SystemdNotifier({ env: { ...process.env, NOTIFY_SOCKET: sock.path }, onError: (m) => { throw new Error(m); } });
  const ms: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    notifier.status(`bench ${i}`);
    await notifier.flush();
    ms.push(performance.now() - t0);
  }
  await sock.close();
  printMetric({ metric: 'systemd_notify_ms_p50', value: percentile(ms, 50), unit: 'ms', target: 50 });
}

export async function applianceBenchmarks(): Promise<void> {
  systemdExposure();
  await notifyCost();
}
