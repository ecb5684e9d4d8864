import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli } from '../support/cli';
import { fakeEnv } from '../support/fake-bin';

const dir = mkdtempSync(join(tmpdir(), 'snapask-statedir-'));
const FIX = ': run as the service (sudo systemctl start snapask), or set SNAPASK_STATE_DIR / stateDir to a directory you own\n';

/** `snapask run` as another user (setpriv, only as root): chmod stops writes for it, unlike for root. */
function runAsNobody(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, CLI, ...args], { env: fakeEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stderr }));
  });
}
/**
 * Only as root, with setpriv, and where nobody can reach the project: a clone in a directory only root may
 * enter (mktemp -d makes them 0700) leaves nobody unable to start node at all, which tests nothing of ours.
 */
const canDropToNobody =
  process.getuid?.() === 0 &&
  spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(CLI)}, 4)`]).status === 0;

describe('snapask run with a stateDir it cannot write', () => {
  it('says so in one line (directory, user, fix) and exits 78 before listening', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const state = join(file, 'state');
    const r = await runCli(['run'], { SNAPASK_STATE_DIR: state }, 30_000);
    expect(r.code).toBe(78);
    const user = spawnSync('id', ['-un']).stdout.toString().trim();
    expect(r.stderr).toBe(`snapask: stateDir ${state} is not writable by user ${user} (a file is in its path)${FIX}`);
    expect(r.stdout).not.toMatch(/listening|ready/i);
  });

  (canDropToNobody ? it : it.skip)('a read-only directory, for a user who is not its owner', async () => {
    const ro = join(dir, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const state = join(ro, 'state');
    const r = await runAsNobody(['run'], { SNAPASK_STATE_DIR: state });
    expect(r.code).toBe(78);
    expect(r.stderr).toBe(`snapask: stateDir ${state} is not writable by user nobody${FIX}`);
    expect(existsSync(state)).toBe(false);
  });

});
