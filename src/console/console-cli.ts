import { existsSync } from 'node:fs';
import { consoleDir, readPairingCode, revokeAllSessions, setPassword } from './console-auth';

/** The device's config file, which `snapask console` reads when none is named (it runs as root or the service's user). */
export const DEVICE_CONFIG = '/etc/snapask/config.json';

export const CONSOLE_ACTIONS = ['code', 'reset', 'password'] as const;
export type ConsoleAction = (typeof CONSOLE_ACTIONS)[number];

/**
 * `snapask console code|reset|password`: the pairing code, ending every session, or the password that replaces
 * the code. The files are the service user's (mode 600 in a 700 directory): anyone else is told to use sudo.
 */
export async function consoleCommand(action: ConsoleAction, stateDir: string, io: { out: (s: string) => void; readLine: () => Promise<string> }): Promise<number> {
  const dir = consoleDir(stateDir);
  try {
    if (action === 'code') {
      if (!existsSync(stateDir)) throw Object.assign(new Error('no state directory'), { code: 'ENOENT' });
      io.out(`${readPairingCode(dir)}\n`);
    } else if (action === 'reset') {
      revokeAllSessions(dir);
      io.out('every console session has ended; the pairing code is new (snapask console code)\n');
    } else {
      const password = (await io.readLine()).replace(/\r?\n$/, '');
      setPassword(dir, password);
      io.out(password ? 'console password set: the pairing page asks for it instead of the spoken code\n' : 'console password removed: the pairing page asks for the spoken code\n');
    }
    return 0;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`cannot open ${dir}: only root and the service's user may (sudo snapask console ${action})`);
    if (code === 'ENOENT') throw new Error(`${stateDir} does not exist: is this the device's stateDir? (give --config FILE)`);
    throw e;
  }
}
