import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCheck, failed, ok, skipped } from '../../src/doctor/check';
import { captureHolders } from '../../src/doctor/capture-holders';
import { judgeLevels } from '../../src/doctor/device-checks';
import { stateDirProblem } from '../../src/config/state-dir';
import { checkStateDir } from '../../src/doctor/system-checks';

describe('doctor parts', () => {
  it('finds the processes holding an ALSA capture device, as fuser does, and not those playing or holding other files', () => {
    const proc = mkdtempSync(join(tmpdir(), 'snapask-proc-'));
    const fake = (pid: number, comm: string, links: string[]) => {
      mkdirSync(join(proc, String(pid), 'fd'), { recursive: true });
      writeFileSync(join(proc, String(pid), 'comm'), `${comm}\n`);
      links.forEach((l, i) => symlinkSync(l, join(proc, String(pid), 'fd', String(i))));
    };
    fake(101, 'arecord', ['/dev/null', '/dev/snd/pcmC1D0c']);
    fake(102, 'aplay', ['/dev/snd/pcmC0D0p']);
    fake(103, 'pipewire', ['/dev/snd/controlC1', '/dev/snd/pcmC2D1c']);
    mkdirSync(join(proc, 'self'));
    expect(captureHolders(proc).sort((a, b) => a.pid - b.pid)).toEqual([{ pid: 101, command: 'arecord' }, { pid: 103, command: 'pipewire' }]);
    expect(captureHolders(join(proc, 'none'))).toEqual([]);
  });

  it('judges a level meter: fine, clipping, or hearing nothing (digital silence: a muted mixer)', () => {
    const s = { seconds: 3, peakDbfs: -12, rmsDbfs: -30, clippedSamples: 0, clippedShare: 0, noiseFloorDbfs: -60 };
    expect(formatCheck(judgeLevels(s, 'hw:1'))).toBe('✓ microphone: 3.0 s from hw:1: peak -12.0 dBFS, RMS -30.0 dBFS, noise floor -60.0 dBFS, no clipping');
    expect(formatCheck(judgeLevels({ ...s, peakDbfs: 0, clippedSamples: 960, clippedShare: 0.02 }, 'hw:1'))).toBe(
      '✗ microphone: 3.0 s from hw:1: peak 0.0 dBFS, RMS -30.0 dBFS, noise floor -60.0 dBFS, clipping (2.0 % of samples at full scale); fix: lower the capture gain: alsamixer, F6 to pick the card, F4 for capture',
    );
    expect(judgeLevels({ ...s, peakDbfs: null, rmsDbfs: null, noiseFloorDbfs: null }, 'hw:1')).toMatchObject({ status: 'failed', detail: expect.stringMatching(/peak -inf dBFS.*: it hears nothing$/) });
  });

  it('prints a check as one line: ✓, ✗ with the fix, or - skipped with why', () => {
    expect(formatCheck(ok('disk', '3.1 GB free'))).toBe('✓ disk: 3.1 GB free');
    expect(formatCheck(failed('camera', 'none found', 'reseat the cable'))).toBe('✗ camera: none found; fix: reseat the cable');
    expect(formatCheck(skipped('button', '--no-wait'))).toBe('- button: skipped (--no-wait)');
  });

  (process.getuid?.() === 0 ? it : it.skip)('as root, stateDir must belong to the service\'s user (root could write anywhere)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-owner-'));
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\nsnapask:x:4242:4242::/var/lib/snapask:/usr/sbin/nologin\n');
    const state = join(dir, 'state');
    mkdirSync(state, { mode: 0o750 });
    expect(checkStateDir(state, stateDirProblem, passwd)).toEqual({ name: 'stateDir', status: 'failed', detail: `${state} does not belong to the service's user snapask (owner uid 0, mode 750)`, fix: `sudo chown -R snapask: ${state} && sudo chmod 750 ${state}` });
    writeFileSync(passwd, 'snapask:x:0:0::/:/bin/sh\n');
    expect(checkStateDir(state, stateDirProblem, passwd)).toEqual({ name: 'stateDir', status: 'ok', detail: `${state} belongs to snapask and is writable` });
    // Without a snapask user (a laptop), as any user: can it be written?
    expect(checkStateDir(state, stateDirProblem, join(dir, 'no-passwd')).status).toBe('ok');
  });
});
