import type { RecogniserSettings } from '../recogniser-settings';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { calibrateRecordings, type Recordings } from './calibrate-recordings';
import { saveCalibration } from './calibration-file';
import type { CalibrationResult } from './calibration-fit';
import { dropSamples } from './kept-samples';
import { CalibrationInputError } from './samples';

interface Job {
  snapaskCalibration: true;
  recordings: Recordings;
  recogniser: RecogniserSettings;
  stateDir: string;
}

export type FitOutcome = { ok: true; result: CalibrationResult; path: string; droppedSamples: boolean } | { ok: false; input: boolean; message: string };

/**
 * Fits and saves a calibration as `snapask calibrate` does (leave-one-out recall, the owner's earlier samples
 * dropped), in a worker thread: the fit takes seconds of CPU, which the running service's audio loop, console
 * and answers must not wait for.
 */
export function fitInWorker(recordings: Recordings, recogniser: RecogniserSettings, stateDir: string): Promise<FitOutcome> {
  const job: Job = { snapaskCalibration: true, recordings, recogniser, stateDir };
  return new Promise((resolve) => {
    const worker = new Worker(__filename, { workerData: job });
    let answered = false;
    worker.once('message', (m: FitOutcome) => {
      answered = true;
      resolve(m);
    });
    worker.once('error', (e) => {
      answered = true;
      resolve({ ok: false, input: false, message: e.message });
    });
    worker.once('exit', (code) => {
      if (!answered) resolve({ ok: false, input: false, message: `the calibration worker ended (exit ${code})` });
    });
  });
}

function fit(job: Job): FitOutcome {
  try {
    const { heads, result } = calibrateRecordings(job.recordings, job.recogniser, { leaveOneOut: true });
    const path = saveCalibration(job.stateDir, heads, result);
    return { ok: true, result, path, droppedSamples: dropSamples(job.stateDir) };
  } catch (e) {
    return { ok: false, input: e instanceof CalibrationInputError, message: (e as Error).message };
  }
}

if (!isMainThread && (workerData as Job | undefined)?.snapaskCalibration) parentPort!.postMessage(fit(workerData as Job));
