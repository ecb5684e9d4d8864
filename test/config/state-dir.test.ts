import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stateDirProblem } from '../../src/config/state-dir';

describe('stateDirProblem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snapask-statedir-'));

  it('creates a missing directory and leaves no probe behind', () => {
    const state = join(dir, 'new', 'state');
    expect(stateDirProblem(state)).toBeUndefined();
    expect(existsSync(state)).toBe(true);
    expect(readdirSync(state)).toEqual([]);
  });

  it('names the directory, the user and the fix when it cannot be made', () => {
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(stateDirProblem(join(file, 'state'))).toMatch(
      new RegExp(`^stateDir ${join(file, 'state')} is not writable by user \\S+ \\(a file is in its path\\): run as the service .*SNAPASK_STATE_DIR / stateDir`),
    );
  });
});
