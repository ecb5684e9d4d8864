import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';

/** A stand-in journalctl: records its arguments, prints what the service's journal would (-o cat), and stops. */
const bin = mkdtempSync(join(tmpdir(), 'snapask-logs-'));
const argsFile = join(bin, 'args');
const time = new Date(2025, 2, 1, 14, 2, 3, 456).getTime();
const JOURNAL = [
  { level: 30, time, pid: 812, hostname: 'pi', name: 'snapask', msg: 'camera running', camera: 'rpicam' },
  { level: 40, time: time + 1000, pid: 812, hostname: 'pi', name: 'snapask', msg: 'microphone clipping', peakDbfs: -0.1234, note: 'turn the gain down' },
  { level: 50, time: time + 2000, pid: 812, hostname: 'pi', name: 'snapask', msg: 'no answer', turn: { event: 'error', stage: 'send', id: 't1' } },
]
  .map((o) => JSON.stringify(o))
  .concat(['Started snapask.service - snapask look-and-ask appliance.'])
  .join('\n');
writeFileSync(join(bin, 'journal.txt'), `${JOURNAL}\n`);
writeFileSync(join(bin, 'journalctl'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\ncat '${join(bin, 'journal.txt')}'\n`);
chmodSync(join(bin, 'journalctl'), 0o755);
const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };

describe('snapask logs', () => {
  it("follows the service's journal, each pino line readable: time, level by name, message, key=value", async () => {
    const r = await runCli(['logs'], env, 30_000);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(readFileSync(argsFile, 'utf8').trim().split('\n')).toEqual(['-u', 'snapask', '-o', 'cat', '-f']);
    expect(r.stdout.split('\n')).toEqual([
      '2025-03-01 14:02:03.456 INFO  camera running camera=rpicam',
      '2025-03-01 14:02:04.456 WARN  microphone clipping peakDbfs=-0.123 note="turn the gain down"',
      '2025-03-01 14:02:05.456 ERROR no answer turn.event=error turn.stage=send turn.id=t1',
      'Started snapask.service - snapask look-and-ask appliance.',
      '',
    ]);
    expect(r.stdout).not.toMatch(/[{}]/);
  });

  it('passes --since and --lines on, and --no-follow stops following', async () => {
    const r = await runCli(['logs', '--since', '10 min ago', '--lines', '50', '--no-follow'], env, 30_000);
    expect(r.code).toBe(0);
    expect(readFileSync(argsFile, 'utf8').trim().split('\n')).toEqual(['-u', 'snapask', '-o', 'cat', '--since', '10 min ago', '-n', '50']);
  });

  it('a --lines that is not a number is named; without journalctl, one line says why', async () => {
    const bad = await runCli(['logs', '--lines', 'lots'], env, 30_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('snapask: --lines: "lots" is not a number of lines (give e.g. 50)');
    const none = await runCli(['logs'], { PATH: mkdtempSync(join(tmpdir(), 'snapask-empty-')) }, 30_000);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('snapask: journalctl not found: snapask logs reads the systemd journal (make run logs to its terminal)\n');
  });
});
