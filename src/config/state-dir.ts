import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * Where the state goes when neither the config file nor SNAPASK_STATE_DIR names it: under systemd the unit's
 * StateDirectory= ($STATE_DIRECTORY, the first if it lists several); elsewhere the user's XDG state directory
 * ($XDG_STATE_HOME/snapask, else ~/.local/state/snapask), so `make run` as a user needs no root.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  const systemd = env.STATE_DIRECTORY?.split(':')[0];
  if (systemd) return systemd;
  // The XDG spec: a relative value is invalid and ignored.
  const xdg = env.XDG_STATE_HOME;
  if (xdg && xdg.startsWith('/')) return join(xdg, 'snapask');
  return join(env.HOME || homedir(), '.local', 'state', 'snapask');
}

/**
 * Why `dir` cannot hold the state (one line naming the directory, the user and the fix), or undefined when it can:
 * it is created if missing, then a probe file is written and removed.
 */
export function stateDirProblem(dir: string): string | undefined {
  const probe = join(dir, `.snapask-probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const detail = code === 'EACCES' || code === 'EPERM' ? '' : code === 'ENOTDIR' || code === 'EEXIST' ? ' (a file is in its path)' : ` (${code ?? String(e)})`;
    return `stateDir ${dir} is not writable by user ${userName()}${detail}: run as the service (sudo systemctl start snapask), or set SNAPASK_STATE_DIR / stateDir to a directory you own`;
  }
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}
