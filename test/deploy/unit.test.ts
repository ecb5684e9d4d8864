import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/fake-bin';

const run = promisify(execFile);
const UNIT = join(REPO_ROOT, 'deploy/snapask.service');
const INSTALLED_NODE = '/opt/snapask/node/bin/node';

/** systemd-analyze comes with Debian's systemd package (make deps installs it): missing, these tests fail, they do not skip. */
async function analyze(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run('systemd-analyze', args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', SYSTEMD_COLORS: '0' } });
    return { ...r, code: 0 };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string; code?: number | string };
    if (err.code === 'ENOENT') throw new Error('systemd-analyze not found: install the Debian package "systemd" (make deps)');
    return { stdout: err.stdout ?? '', stderr: err.stderr ?? '', code: typeof err.code === 'number' ? err.code : 1 };
  }
}

describe('deploy/snapask.service', () => {
  const text = readFileSync(UNIT, 'utf8');

  it('has an exposure of at most 2.5 in systemd-analyze security --offline', async () => {
    const r = await analyze(['security', '--offline=true', UNIT]);
    const m = /Overall exposure level for snapask\.service: ([\d.]+)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2.5);
    // The analyser reads the whole file: an option it does not know would not count.
    expect(r.stderr).toBe('');
  });

  it('passes systemd-analyze verify without a warning', async () => {
    // verify checks that ExecStart's program exists; on this machine it is the project's Node, on the device install.sh's.
    expect(text).toContain(`ExecStart=${INSTALLED_NODE} `);
    const copy = join(mkdtempSync(join(tmpdir(), 'snapask-unit-')), 'snapask.service');
    writeFileSync(copy, text.replace(`ExecStart=${INSTALLED_NODE} `, `ExecStart=${process.execPath} `));
    const r = await analyze(['verify', '--man=no', copy]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('is a notify service with a watchdog, restarts on failure and lets the systemd-notify child speak for it', () => {
    for (const line of ['Type=notify', 'NotifyAccess=all', 'Restart=on-failure', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/snapask', 'PrivateTmp=yes', 'NoNewPrivileges=yes', 'CapabilityBoundingSet=', 'SystemCallFilter=@system-service', 'User=snapask', 'SupplementaryGroups=audio video gpio']) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).toMatch(/^WatchdogSec=\d+$/m);
    // A configuration error (exit 78) is not restarted in a loop; the secrets are the service's own file, not systemd's.
    expect(text.split('\n')).toContain('RestartPreventExitStatus=78');
    expect(text).not.toMatch(/^EnvironmentFile=/m);
    expect(text).toMatch(/^RestrictAddressFamilies=/m);
  });
});
