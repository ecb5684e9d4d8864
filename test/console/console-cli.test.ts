import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleAuth, consoleDir } from '../../src/console/console-auth';
import { runCli } from '../support/cli';

describe('snapask console code | reset', () => {
  it('prints the pairing code from the stateDir (made if there is none, mode 600), and reset ends sessions and changes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-con-cli-'));
    const state = join(dir, 'state');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ stateDir: state }));
    const auth = new ConsoleAuth({ dir: consoleDir(state) });
    const code = await runCli(['console', 'code', '--config', join(dir, 'config.json')]);
    expect(code.code).toBe(0);
    expect(code.stdout).toMatch(/^\d{6}\n$/);
    expect(code.stdout.trim()).toBe(auth.code());
    expect(statSync(join(consoleDir(state), 'pairing-code')).mode & 0o777).toBe(0o600);

    const paired = auth.pair(code.stdout.trim());
    if (!paired.ok) throw new Error('the printed code did not pair');
    expect(auth.session(paired.token)).toBeDefined();
    const reset = await runCli(['console', 'reset', '--config', join(dir, 'config.json')]);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('every console session has ended');
    expect(auth.session(paired.token)).toBeUndefined();
    expect(readFileSync(join(consoleDir(state), 'pairing-code'), 'utf8').trim()).not.toBe(code.stdout.trim());
  });

  it('names what it takes when the action is missing or wrong (exit 2)', async () => {
    for (const args of [['console'], ['console', 'open']]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('console: give one of code, reset, password');
    }
  });
});
