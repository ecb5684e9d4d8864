import type { Config } from '../config/config';
import { spokenCommands } from '../config/config';
import { stateDirProblem } from '../config/state-dir';
import { ControlClient } from '../control/control-client';
import { ControlError } from '../control/device-control';
import { calibrateRecordings, hearRecordings } from '../recognition/calibration/calibrate-recordings';
import type { CalibrationDevices } from '../recognition/calibration/calibration-devices';
import { calibratedHeads, calibrationPath, saveCalibration } from '../recognition/calibration/calibration-file';
import { events, heard } from '../recognition/calibration/calibration-fit';
import { calibrationReport } from '../recognition/calibration/calibration-report';
import { DEFAULT_SESSION, recordSession } from '../recognition/calibration/calibration-session';
import { ServiceCalibrationDevices } from '../recognition/calibration/service-calibration-devices';
import { dropSamples, keepSamples, loadSamples } from '../recognition/calibration/kept-samples';
import { CalibrationInputError } from '../recognition/calibration/samples';
import { commandRules, spottedWords } from '../recognition/command-words';
import { usesDetector } from '../recognition/recogniser-settings';
import { SERVICE_TAKES_IT } from '../recognition/calibration/calibration-follow';

export interface CalibrateCommandOptions {
  keepSamples: boolean;
  check: boolean;
  /** Opened only when recording (not for --check): calibrationDevices(). */
  devices: () => Promise<CalibrationDevices>;
  print: (line: string) => void;
}

/**
 * `snapask calibrate`: the learned detector fitted to the owner's voice and room, saved in stateDir (the engine
 * loads it at start, and the running service as soon as it is saved); `--check` replays the kept samples against this version. Bad input is one sentence and
 * nothing saved (exit 1).
 */
export async function calibrateCommand(config: Config, o: CalibrateCommandOptions): Promise<number> {
  if (!usesDetector(config.recogniser.engine)) {
    o.print(`snapask calibrate: calibration is for the learned keyword detector, and this device uses ${config.recogniser.engine}: set recogniser.engine to "learned" or "combined" first.`);
    return 1;
  }
  const problem = stateDirProblem(config.stateDir);
  if (problem) {
    o.print(`snapask calibrate: ${problem}`);
    return 1;
  }
  const words = spottedWords(commandRules(spokenCommands(config), config.recogniser));
  try {
    return o.check ? check(config, o.print) : await calibrate(config, words, o);
  } catch (e) {
    if (!(e instanceof CalibrationInputError)) throw e;
    o.print(`${e.message} Nothing was saved.`);
    return 1;
  }
}

async function calibrate(config: Config, words: string[], o: CalibrateCommandOptions): Promise<number> {
  const devices = await o.devices();
  const inService = devices.inService === true;
  let recordings;
  try {
    recordings = await recordSession(devices, { ...DEFAULT_SESSION, words, print: o.print });
  } finally {
    devices.close();
  }
  o.print('Fitting...');
  const { heads, result } = calibrateRecordings(recordings, config.recogniser, { leaveOneOut: true });
  for (const line of calibrationReport(result)) o.print(line);
  const path = saveCalibration(config.stateDir, heads, result);
  o.print(`Saved in ${path}; ${inService ? SERVICE_TAKES_IT : 'the service uses it from its next start (sudo systemctl restart snapask).'}`);
  if (o.keepSamples) {
    const heardNow = Object.fromEntries(result.words.map((w) => [w.word, { heard: w.heardFitted, of: w.takes }]));
    o.print(`Your recordings are kept in ${keepSamples(config.stateDir, recordings, heardNow)} (only for snapask calibrate --check; delete the folder to remove them).`);
  } else if (dropSamples(config.stateDir)) {
    o.print('The recordings kept from an earlier calibration were deleted (they no longer match it; --keep-samples keeps these).');
  }
  return 0;
}

/**
 * The running service's voice and microphone when its control socket answers (it holds the microphone: opened
 * here it would be busy), lent for the whole session so the words said do not act; else `local()`, the devices
 * opened here. A service that cannot lend it now is one sentence (CalibrationInputError).
 */
export async function calibrationDevices(sockets: string[], local: () => CalibrationDevices, print: (line: string) => void): Promise<CalibrationDevices> {
  let client: ControlClient | undefined;
  try {
    client = await ControlClient.find(sockets);
  } catch (e) {
    if (e instanceof ControlError) throw new CalibrationInputError(`The snapask service is running but ${e.message}.`);
    throw e;
  }
  if (!client) return local();
  const service = client;
  try {
    await service.lendMicrophone();
  } catch (e) {
    service.close();
    if (e instanceof ControlError) throw new CalibrationInputError(`The snapask service is running and cannot lend its microphone now: ${e.message}; run snapask calibrate again when it is idle.`);
    throw e;
  }
  print(`Through the running snapask service (${service.path}): it says the prompts and records; meanwhile the words you say do not act.`);
  const through = new ServiceCalibrationDevices(service);
  return {
    say: (text) =>
      through.say(text).catch((e: unknown) => {
        throw e instanceof ControlError ? new CalibrationInputError(`The service could not say the prompt: ${e.message}; run snapask calibrate again.`) : e;
      }),
    record: (seconds) => through.record(seconds),
    // The service takes its microphone back when the connection ends.
    close: () => service.close(),
    inService: true,
  };
}

/** --check: the kept samples heard by this version as the service would run it, against what calibration heard. */
function check(config: Config, print: (line: string) => void): number {
  const kept = loadSamples(config.stateDir);
  if (!kept) {
    print(`snapask calibrate --check: no recordings are kept in ${config.stateDir} (run snapask calibrate --keep-samples first).`);
    return 1;
  }
  const warnings: string[] = [];
  const heads = calibratedHeads(config.stateDir, (m) => warnings.push(m));
  if (!heads) throw new Error('no trained keyword heads in assets/keywords (reinstall snapask)');
  for (const w of warnings) print(w);
  const data = hearRecordings(kept.recordings, config.recogniser, heads);
  const readout = { w2: heads.f.w2, b2: heads.f.b2 };
  const threshold = (w: string) => config.recogniser.thresholds?.[w] ?? heads.threshold(w);
  let regressed = 0;
  print(`Your recordings of ${kept.created.slice(0, 10)}, heard by this version${warnings.length ? ' (without the calibration)' : ` with the calibration in ${calibrationPath(config.stateDir)}`}:`);
  for (const [word, then] of Object.entries(kept.heard)) {
    const k = heads.words.indexOf(word) + 1;
    if (k === 0) continue;
    const now = data.takes.filter((t) => t.word === word && heard(t, readout, k, threshold(word))).length;
    if (now < then.heard) regressed++;
    print(`"${word}": ${now} of ${then.of} heard now, ${then.heard} when calibrated${now < then.heard ? ': WORSE' : ''}.`);
  }
  const alarms = Object.keys(kept.heard).reduce((n, w) => (heads.words.includes(w) ? n + events(data.room, readout, heads.words.indexOf(w) + 1, threshold(w)) : n), 0);
  print(`The room: ${alarms} false alarms in ${(kept.recordings.room.length / 16000).toFixed(0)} s.`);
  print(regressed ? `${regressed} word(s) heard less than when calibrated: run snapask calibrate again.` : 'Nothing regressed.');
  return regressed ? 1 : 0;
}
