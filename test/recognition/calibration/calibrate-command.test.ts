/**
 * `snapask calibrate` as the owner runs it, in a real process: the prompts go to aplay, the recordings come
 * from arecord (the stand-ins in test/bin: each arecord start plays the next recording of a held-out voice,
 * 20 times faster than real time), the calibration lands in stateDir, the kept samples replay with --check;
 * bad input is one sentence and nothing saved.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../../src/audio/wav';
import { CALIBRATION_SENTENCES } from '../../../src/recognition/calibration/calibrate-recordings';
import { calibrationPath, samplesDir } from '../../../src/recognition/calibration/calibration-file';
import { heldoutRooms } from '../../bench/keywords-heldout';
import { syntheticSession, writeMicrophoneSequence } from '../../support/calibration-session';
import { fakeEnv, REPO_ROOT } from '../../support/fake-bin';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const WORDS = ['snapshot', 'reply', 'cancel', 'stop'];

function snapask(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: fakeEnv(env), timeout: 300_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('snapask calibrate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snapask-calibrate-'));
  const base = { SNAPASK_RECOGNISER_ENGINE: 'learned', FAKE_ARECORD_SPEEDUP: '20' };

  it('asks for each word, fits, reports, saves in stateDir, keeps the samples, and --check replays them', async () => {
    const r = await syntheticSession({ engine: 'flite', voice: 'rms', rate: 1 }, heldoutRooms()[0]!, 3, WORDS);
    writeMicrophoneSequence(dir, r);
    const stateDir = join(dir, 'state');
    const prompts = join(dir, 'prompts');
    const env = { ...base, SNAPASK_STATE_DIR: stateDir, FAKE_ARECORD_SEQUENCE: join(dir, 'sequence'), FAKE_APLAY_DIR: prompts };
    const run = await snapask(['calibrate', '--keep-samples'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('Recording the room for 30 seconds: please stay quiet.');
    expect(lines).toContain('Say "snapshot" (1 of 5).');
    expect(lines).toContain('Say "stop" (5 of 5).');
    for (const w of WORDS) expect(lines.some((l) => l.startsWith(`"${w}": heard in `) && /of 10 \(your takes, alone and after a sentence\)/.test(l))).toBe(true);
    expect(lines.some((l) => /^The room: \d+ false alarms in 30 s after calibration, \d+ before\.$/.test(l))).toBe(true);
    expect(lines).toContain(`Saved in ${calibrationPath(stateDir)}; the service uses it from its next start (sudo systemctl restart snapask).`);
    expect(existsSync(calibrationPath(stateDir))).toBe(true);
    // Every prompt was spoken: the room, the sentences, five of each word, and thanks.
    expect(readdirSync(prompts)).toHaveLength(1 + CALIBRATION_SENTENCES.length + 5 * WORDS.length + 1);
    // The samples: only the owner's user may enter the folder.
    expect(statSync(samplesDir(stateDir)).mode & 0o777).toBe(0o700);
    expect(readdirSync(samplesDir(stateDir)).filter((f) => f.endsWith('.wav'))).toHaveLength(1 + CALIBRATION_SENTENCES.length + 5 * WORDS.length);

    const check = await snapask(['calibrate', '--check'], { ...base, SNAPASK_STATE_DIR: stateDir });
    expect(check.stderr).toBe('');
    const out = check.stdout.trim().split('\n');
    expect(out[0]).toMatch(/^Your recordings of \d{4}-\d\d-\d\d, heard by this version with the calibration in /);
    for (const w of WORDS) expect(out.some((l) => new RegExp(`^"${w}": \\d+ of 10 heard now, \\d+ when calibrated\\.$`).test(l))).toBe(true);
    expect(out[out.length - 1]).toBe('Nothing regressed.');
    expect(check.code).toBe(0);
  }, 600_000);

  it('a silent microphone: one sentence, nothing saved', async () => {
    const silent = join(dir, 'silent.wav');
    writeFileSync(silent, encodeWav(Buffer.alloc(16000 * 2 * 2), 16000));
    const stateDir = join(dir, 'state-silent');
    const run = await snapask(['calibrate'], { ...base, SNAPASK_STATE_DIR: stateDir, FAKE_ARECORD_WAV: silent, FAKE_APLAY_DIR: join(dir, 'p2') });
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n').slice(1)).toEqual([
      'The microphone gave only silence while recording the room: check that it is plugged in, not muted (alsamixer, F4) and that audio.device names it, then run snapask calibrate again. Nothing was saved.',
    ]);
    expect(existsSync(calibrationPath(stateDir))).toBe(false);
  }, 120_000);

  it('a microphone that cannot be opened, and an engine calibration does not apply to: one line each', async () => {
    const stateDir = join(dir, 'state-none');
    const run = await snapask(['calibrate'], { ...base, SNAPASK_STATE_DIR: stateDir, FAKE_ARECORD_FAIL: '1', FAKE_APLAY_DIR: join(dir, 'p3') });
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n').pop()).toBe(
      'The microphone could not be recorded from: microphone stopped: arecord exited: arecord: main:831: audio open error: No such file or directory; check audio.device and run snapask calibrate again. Nothing was saved.',
    );
    expect(existsSync(calibrationPath(stateDir))).toBe(false);
    const other = await snapask(['calibrate'], { SNAPASK_RECOGNISER_ENGINE: 'pocketsphinx', SNAPASK_STATE_DIR: stateDir });
    expect(other.code).toBe(1);
    expect(other.stdout).toBe('snapask calibrate: calibration is for the learned keyword detector, and this device uses pocketsphinx: set recogniser.engine to "learned" or "combined" first.\n');
  }, 120_000);
});
