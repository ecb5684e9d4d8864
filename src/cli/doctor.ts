import { join } from 'node:path';
import { apiKeyFor } from '../app/thread-manager-factory';
import { loadConfig, spokenCommands, type Config } from '../config/config';
import { SecretsFile, secretsPath } from '../config/secrets-file';
import { stateDirProblem } from '../config/state-dir';
import { ControlClient } from '../control/control-client';
import { ControlError, type LevelReading } from '../control/device-control';
import { controlSocketCandidates } from '../control/protocol';
import { formatCheck, ok, skipped, failed, type CheckResult } from '../doctor/check';
import { buttonSkipped, checkButton, checkCamera, checkLeds, checkMicrophone, checkSpeaker, meterLine } from '../doctor/device-checks';
import { LocalDevices } from '../app/local-devices';
import { checkApi, checkDisk, checkRecogniser, checkStateDir } from '../doctor/system-checks';

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
  const secrets = secretsFile.current();

  let service: ControlClient | undefined;
  let serviceNote = '';
  try {
    service = await ControlClient.find(controlSocketCandidates(o.env, config.stateDir));
  } catch (e) {
    if (!(e instanceof ControlError)) throw e;
    serviceNote = `the snapask service is running but ${e.message}`;
  }
  o.write(service ? `  the snapask service is running: its devices are checked through it (${service.path})\n` : `  no snapask service to ask${serviceNote ? ' (it runs, but this user may not reach it)' : ''}: the devices are opened here\n`);
  const local = new LocalDevices(config, secretsFile, serviceNote);
  try {
    const meter = o.tty ? (r: LevelReading) => o.write(`\r${meterLine(r)}`) : undefined;
    const endMeter = () => o.tty && o.write('\r\x1b[K');
    o.write('  listening for 3 s: speak, or clap...\n');
    const where = `${config.audio.device ?? 'the default ALSA device'}${service ? ', through the service' : ''}`;
    const mic = service ? await checkMicrophone(service, where, meter) : await local.microphone(meter);
    endMeter();
    report(mic);

    const frame = join(o.outDir, 'snapask-doctor-frame.jpg');
    if (config.camera.kind === 'none') report(skipped('camera', 'camera.kind is none (voice only)'));
    else report(service ? await checkCamera(service, `${config.camera.kind}, through the service`, frame) : await local.camera(frame));

    report(service ? await checkSpeaker(service, `${config.speaker.device ?? 'the default ALSA device'}, through the service`) : await local.speaker());

    const api = await checkApi(config.openai, apiKeyFor(config.openai.baseURL, secrets), secretsFile.path);
    report(api.key);
    report(api.model);
    report(api.network);
    report(api.clock);
    report(checkRecogniser(config.recogniser, spokenCommands(config)));

    const wait = o.noWait || config.gpio.button === null ? 0 : (o.buttonSeconds ?? 10);
    const prompt = (s: string) => o.write(`${s}\n`);
    if (!config.gpio.enabled) {
      report(skipped('LEDs', 'gpio.enabled is false'));
      report(skipped('button', 'gpio.enabled is false'));
    } else {
      const gpio = service ? [await checkLeds(service), ...(wait ? [await checkButton(service, wait, prompt)] : [])] : await local.gpio(wait, prompt);
      for (const r of gpio) report(r);
      if (!wait) report(config.gpio.button === null ? skipped('button', 'gpio.button is null') : buttonSkipped());
    }
    report(checkDisk(config.stateDir));
  } finally {
    service?.close();
    secretsFile.close();
  }
  const bad = results.filter((r) => r.status === 'failed').length;
  o.write(bad ? `${bad} check${bad === 1 ? '' : 's'} failed\n` : 'all checks passed\n');
  return bad ? 1 : 0;
}
