import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MonotonicClock } from '../../src/clock';
import { loadConfig } from '../../src/config/config';
import { SecretsFile } from '../../src/config/secrets-file';
import { SetupJobs } from '../../src/app/setup-jobs';
import type { JobLine, JobName } from '../../src/console/pages';
import { ServiceControl } from '../../src/control/service-control';
import { calibrationPath } from '../../src/recognition/calibration/calibration-file';

/**
 * The setup page's calibration on bad input, through the service's own ServiceControl fed as the service's audio
 * loop feeds it (chunks of 100 ms): one clear line for each, nothing saved, the microphone given back.
 */
describe("the setup page's calibration job", () => {
  const SESSION = { takesPerWord: 1, roomSeconds: 1, takeSeconds: 1, sentenceSeconds: 1 };

  function setup(engine: string, microphone?: (i: number) => Buffer) {
    const stateDir = mkdtempSync(join(tmpdir(), 'snapask-jobs-'));
    const { config } = loadConfig(undefined, { SNAPASK_STATE_DIR: stateDir, SNAPASK_RECOGNISER_ENGINE: engine });
    const clock = new MonotonicClock();
    const said: string[] = [];
    const control = new ServiceControl({ clock, say: async (t) => void said.push(t) });
    const lines: Array<{ job: JobName } & JobLine> = [];
    let done: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const jobs = new SetupJobs({
      config,
      secrets: new SecretsFile({ path: join(stateDir, 'secrets.env'), env: {} }),
      control,
      log: { info: () => undefined, error: () => undefined },
      session: SESSION,
    });
    jobs.onLine((job, l) => {
      lines.push({ job, ...l });
      if (l.kind === 'done') done();
    });
    let i = 0;
    // The service's audio loop: a chunk every few milliseconds (faster than real time: only the count matters).
    const feed = microphone ? setInterval(() => control.hear({ pcm: microphone(i++), t: i * 0.1 }), 3) : undefined;
    return { jobs, control, lines, said, finished, stateDir, stop: () => clearInterval(feed) };
  }

  const noise = (dbfs: number) => (i: number) => {
    const b = Buffer.alloc(3200);
    const a = 32768 * 10 ** (dbfs / 20) * Math.sqrt(3);
    let x = (i + 1) * 2654435761;
    for (let k = 0; k < 1600; k++) {
      x = (x * 1103515245 + 12345) >>> 0;
      b.writeInt16LE(Math.round(a * ((x / 2 ** 32) * 2 - 1)), k * 2);
    }
    return b;
  };

  it.each([
    ['a silent microphone', () => Buffer.alloc(3200), /^The microphone gave only silence while recording the room: check that it is plugged in, not muted \(alsamixer, F4\) and that audio\.device names it, then press Calibrate again\. Nothing was saved\.$/],
    ['a loud room', noise(-12), /^The room is too loud to calibrate in \(half of it over -\d+ dBFS, more than -20\): turn off the television or music, or wait for quiet, and press Calibrate again\. Nothing was saved\.$/],
    ['nothing said after the prompt', noise(-60), /^I did not hear sentence 1: say it at your normal level, within a metre or two of the microphone, right after the prompt, and press Calibrate again\. Nothing was saved\.$/],
  ])('%s: one line, nothing saved, the microphone given back', async (_what, microphone, expected) => {
    const t = setup('learned', microphone);
    try {
      expect(t.jobs.start('calibration')).toBe('Calibrating: follow the prompts below (the device says them too).');
      // While it records, the words go no further than calibration.
      expect(t.control.muted).toBe(true);
      expect(t.jobs.start('doctor')).toBe('Not started: a calibration is still running.');
      await t.finished;
    } finally {
      t.stop();
    }
    const problems = t.lines.filter((l) => l.kind === 'problem').map((l) => l.text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
    expect(t.lines[0]).toEqual({ job: 'calibration', kind: 'start', text: '' });
    expect(t.said[0]).toBe('I will listen to the room for 1 seconds. Please stay quiet.');
    expect(t.control.muted).toBe(false);
    expect(t.jobs.state('calibration')).toMatchObject({ running: false });
    expect(existsSync(calibrationPath(t.stateDir))).toBe(false);
  });

  it('while the owner has muted it: one line, nothing recorded, still muted (as snapask calibrate is refused)', async () => {
    const t = setup('learned', () => Buffer.alloc(3200));
    try {
      await t.control.setMuted(true);
      t.jobs.start('calibration');
      await t.finished;
    } finally {
      t.stop();
    }
    expect(t.lines.filter((l) => l.kind === 'problem').map((l) => l.text)).toEqual([
      'The device cannot calibrate now: its microphone is muted (turn it on first: double press the button); press Calibrate again when it is idle. Nothing was saved.',
    ]);
    // Only the mute itself was said: no prompt.
    expect(t.said).toEqual(['Microphone off.']);
    expect(t.control.muted).toBe(true);
    expect(existsSync(calibrationPath(t.stateDir))).toBe(false);
  });

  it('a microphone that delivers nothing: one line after the wait', async () => {
    const t = setup('learned');
    t.jobs.start('calibration');
    await t.finished;
    expect(t.lines.filter((l) => l.kind === 'problem').map((l) => l.text)).toEqual([
      'The microphone could not be recorded from: the microphone delivered 0.0 s of sound in 4 s: it is not working (see the log); check audio.device and calibrate again. Nothing was saved.',
    ]);
    expect(t.control.muted).toBe(false);
  }, 20_000);

  it('an engine without calibration: said instead of a run', () => {
    const t = setup('pocketsphinx');
    const why = 'Calibration is for the learned keyword detector; this device listens with pocketsphinx (recogniser.engine), which has none.';
    expect(t.jobs.calibrationUnavailable()).toBe(why);
    expect(t.jobs.start('calibration')).toBe(why);
    expect(t.lines).toEqual([]);
    expect(t.control.muted).toBe(false);
  });
});
