import { join } from 'node:path';
import { runDeviceAndSystemChecks, ServiceDeviceChecks } from '../app/doctor-checks';
import { loadConfig, spokenCommands, type Config } from '../config/config';
import { SecretsFile, secretsPath } from '../config/secrets-file';
import { stateDirProblem } from '../config/state-dir';
import { ControlClient } from '../control/control-client';
import { ControlError, type LevelReading } from '../control/device-control';
import { controlSocketCandidates } from '../control/protocol';
import { formatCheck, ok, failed, type CheckResult } from '../doctor/check';
import { meterLine } from '../doctor/device-checks';
import { LocalDevices } from '../app/local-devices';
import { checkRecogniser, checkStateDir } from '../doctor/system-checks';

export interface DoctorOptions {
  configPath?: string;
  /** Skip waiting for the button (reported as skipped). */
  noWait: boolean;
  /** Where the camera's test frame is saved. */
  outDir: string;
  env: NodeJS.ProcessEnv;
  write: (s: string) => void;
  /** Draw the live level meter (a terminal). */
  tty: boolean;
  /** How long to wait for the button (10 s). */
  buttonSeconds?: number;
}

/**
 * `snapask doctor`: one line per check, ✓ or ✗ with the fix (or "-" for a check skipped). The devices are checked
 * through the running service when there is one (it holds them), else opened here. Exit 1 when any check failed.
 */
export async function runDoctor(o: DoctorOptions): Promise<number> {
  const results: CheckResult[] = [];
  const report = (c: CheckResult) => {
    results.push(c);
    o.write(`${formatCheck(c)}\n`);
  };
  let config: Config;
  try {
    // As the service sees it: the file, the settings overlay in the state directory, the environment.
    const loaded = loadConfig(o.configPath, o.env, { overlay: true });
    config = loaded.config;
    const warned = loaded.warnings.length ? ` (${loaded.warnings.join('; ')})` : '';
    report(ok('config', `${o.configPath ?? 'no config file: the built-in defaults'} is valid${warned}`));
  } catch (e) {
    report(failed('config', (e as Error).message.split('\n').filter(Boolean).join('; '), `edit ${o.configPath ?? 'the config'}`));
    o.write('1 check failed; the others need a valid config\n');
    return 1;
  }
  report(checkStateDir(config.stateDir, stateDirProblem));
  const secretsFile = new SecretsFile({ path: secretsPath(config.stateDir), env: o.env });

  let service: ControlClient | undefined;
  let serviceNote = '';
  try {
    service = await ControlClient.find(controlSocketCandidates(o.env, config.stateDir));
  } catch (e) {
    if (!(e instanceof ControlError)) throw e;
    serviceNote = `the snapask service is running but ${e.message}`;
  }
  o.write(service ? `  the snapask service is running: its devices are checked through it (${service.path})\n` : `  no snapask service to ask${serviceNote ? ' (it runs, but this user may not reach it)' : ''}: the devices are opened here\n`);
  try {
    await runDeviceAndSystemChecks({
      config,
      secrets: secretsFile,
      devices: service ? new ServiceDeviceChecks(service, config) : new LocalDevices(config, secretsFile, serviceNote),
      recogniser: () => checkRecogniser(config.recogniser, spokenCommands(config)),
      buttonSeconds: o.noWait ? 0 : (o.buttonSeconds ?? 10),
      framePath: join(o.outDir, 'snapask-doctor-frame.jpg'),
      report,
      prompt: (s) => o.write(`${s}\n`),
      ...(o.tty ? { onReading: (r: LevelReading) => o.write(`\r${meterLine(r)}`), afterMicrophone: () => o.write('\r\x1b[K') } : {}),
    });
  } finally {
    service?.close();
    secretsFile.close();
  }
  const bad = results.filter((r) => r.status === 'failed').length;
  o.write(bad ? `${bad} check${bad === 1 ? '' : 's'} failed\n` : 'all checks passed\n');
  return bad ? 1 : 0;
}
