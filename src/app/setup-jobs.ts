import type { JobLine, JobName, JobState } from '../console/pages';
import type { Config } from '../config/config';
import { stateDirProblem } from '../config/state-dir';
import { spokenCommands } from '../config/config';
import type { SecretsFile } from '../config/secrets-file';
import { ControlError, type DeviceControl } from '../control/device-control';
import { formatCheck, ok, type CheckResult } from '../doctor/check';
import { runDeviceAndSystemChecks, ServiceDeviceChecks } from './doctor-checks';
import { checkStateDir } from '../doctor/system-checks';
import { readCalibration } from '../recognition/calibration/calibration-file';
import { calibrationReport } from '../recognition/calibration/calibration-report';
import { DEFAULT_SESSION, recordSession, type SessionOptions } from '../recognition/calibration/calibration-session';
import { fitInWorker } from '../recognition/calibration/calibration-worker';
import { CalibrationInputError } from '../recognition/calibration/samples';
import { ServiceCalibrationDevices, type ServiceMicrophone } from '../recognition/calibration/service-calibration-devices';
import { SERVICE_TAKES_IT } from '../recognition/calibration/calibration-follow';
import { commandRules, spottedWords } from '../recognition/command-words';
import { usesDetector } from '../recognition/recogniser-settings';

/** What the jobs take of the service: its control (devices it holds), the microphone lent to calibration. */
export interface SetupJobParts {
  config: Config;
  secrets: SecretsFile;
  control: DeviceControl & ServiceMicrophone & { borrowMicrophone(): () => void };
  log: { info(o: object, msg: string): void; error(o: object, msg: string): void };
  /** The calibration session's lengths (the default: as `snapask calibrate`). */
  session?: Omit<SessionOptions, 'words' | 'print'>;
}

const KIND: Record<CheckResult['status'], JobLine['kind']> = { ok: 'ok', failed: 'failed', skipped: 'skipped' };

/**
 * The setup page's long jobs, one at a time (both use the speaker and the microphone): the checks of `snapask
 * doctor` and the command-word calibration, through the service's own parts. Their lines are kept (a page
 * opened later shows them) and pushed as they come.
 */
export class SetupJobs {
  private readonly jobs: Record<JobName, JobState> = { doctor: { running: false, lines: [] }, calibration: { running: false, lines: [] } };
  private readonly listeners = new Set<(job: JobName, line: JobLine) => void>();

  constructor(private readonly p: SetupJobParts) {}

  /** Each line as it comes (the console pushes them to its pages over server-sent events); returns the unsubscribe. */
  onLine(listener: (job: JobName, line: JobLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  state(job: JobName): JobState {
    return this.jobs[job];
  }

  /** Why calibration cannot run on this device (undefined: it can). */
  calibrationUnavailable(): string | undefined {
    const engine = this.p.config.recogniser.engine;
    return usesDetector(engine) ? undefined : `Calibration is for the learned keyword detector; this device listens with ${engine} (recogniser.engine), which has none.`;
  }

  /** When the calibration in use was made, if there is one. */
  calibratedOn(): string | undefined {
    try {
      return readCalibration(this.p.config.stateDir)?.created.slice(0, 10);
    } catch {
      return undefined;
    }
  }

  /** Starts a job; the message for the page. */
  start(job: JobName): string {
    const busy = (Object.keys(this.jobs) as JobName[]).find((j) => this.jobs[j].running);
    if (busy) return `Not started: ${busy === 'doctor' ? 'the checks are' : 'a calibration is'} still running.`;
    if (job === 'calibration' && this.calibrationUnavailable()) return this.calibrationUnavailable()!;
    const state = this.jobs[job];
    state.running = true;
    state.lines = [];
    this.push(job, { kind: 'start', text: '' });
    const work = job === 'doctor' ? this.doctor() : this.calibrate();
    void work
      .catch((e: Error) => {
        this.p.log.error({ job, err: e.message }, `console: the ${job} failed`);
        this.line(job, { kind: 'problem', text: `Stopped: ${e.message} (see the service log).` });
      })
      .finally(() => {
        state.running = false;
        this.line(job, { kind: 'done', text: job === 'doctor' ? this.doctorSummary() : 'Calibration over.' });
      });
    return job === 'doctor' ? 'Checking: the results come below as each check ends.' : 'Calibrating: follow the prompts below (the device says them too).';
  }

  private line(job: JobName, l: JobLine): void {
    this.jobs[job].lines.push(l);
    this.push(job, l);
  }

  private push(job: JobName, l: JobLine): void {
    for (const listener of this.listeners) listener(job, l);
  }

  private doctorSummary(): string {
    const bad = this.jobs.doctor.lines.filter((l) => l.kind === 'failed').length;
    return bad ? `${bad} check${bad === 1 ? '' : 's'} failed.` : 'All checks passed.';
  }

  private async doctor(): Promise<void> {
    const { config, secrets, control } = this.p;
    const report = (c: CheckResult) => this.line('doctor', { kind: KIND[c.status], text: formatCheck(c) });
    report(ok('config', 'valid: the service runs with it'));
    report(checkStateDir(config.stateDir, stateDirProblem));
    const words = Object.values(spokenCommands(config)).filter((w): w is string => typeof w === 'string');
    await runDeviceAndSystemChecks({
      config,
      secrets,
      devices: new ServiceDeviceChecks(control, config),
      // The service is listening with it: not loaded a second time.
      recogniser: () => ok('recogniser', `${config.recogniser.engine} loaded, the service listens with it for ${words.join(', ')}`),
      buttonSeconds: 10,
      report,
      prompt: (s) => this.line('doctor', { kind: 'prompt', text: s.trim() }),
    });
  }

  private async calibrate(): Promise<void> {
    const { config, control } = this.p;
    const words = spottedWords(commandRules(spokenCommands(config), config.recogniser));
    const print = (text: string) => this.line('calibration', { kind: 'prompt', text });
    const devices = new ServiceCalibrationDevices(control, (seconds) => {
      this.line('calibration', { kind: 'note', text: `Listening for ${seconds} s...` });
      this.p.log.info({ seconds }, 'calibration: recording');
    });
    // The command words said for calibration must not act: the microphone is lent until the recordings are in,
    // and not while the owner is asking something or it is muted (the same rule as for snapask calibrate).
    let giveBack: () => void;
    try {
      giveBack = control.borrowMicrophone();
    } catch (e) {
      if (!(e instanceof ControlError) || e.code !== 'busy') throw e;
      this.line('calibration', { kind: 'problem', text: `The device cannot calibrate now: ${e.message}; press Calibrate again when it is idle. Nothing was saved.` });
      return;
    }
    let recordings;
    try {
      recordings = await recordSession(devices, { ...(this.p.session ?? DEFAULT_SESSION), words, print });
    } catch (e) {
      if (!(e instanceof CalibrationInputError)) throw e;
      this.line('calibration', { kind: 'problem', text: `${forThePage(e.message)} Nothing was saved.` });
      return;
    } finally {
      giveBack();
    }
    this.line('calibration', { kind: 'note', text: 'Fitting (a minute or so)...' });
    const fit = await fitInWorker(recordings, config.recogniser, config.stateDir);
    if (!fit.ok) {
      if (!fit.input) throw new Error(fit.message);
      this.line('calibration', { kind: 'problem', text: `${forThePage(fit.message)} Nothing was saved.` });
      return;
    }
    for (const text of calibrationReport(fit.result)) this.line('calibration', { kind: 'result', text });
    this.p.log.info({ path: fit.path }, 'calibration saved from the console');
    this.line('calibration', { kind: 'result', text: `Saved on the device; ${SERVICE_TAKES_IT}` });
    if (fit.droppedSamples) this.line('calibration', { kind: 'note', text: 'The recordings kept from an earlier calibration were deleted (they no longer match it).' });
  }
}

/** Calibration's messages name the command; on the page the button does it. */
function forThePage(message: string): string {
  return message.replace(/run snapask calibrate again/g, 'press Calibrate again');
}
