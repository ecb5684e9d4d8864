import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The processes holding an ALSA capture device open (/dev/snd/pcmC*D*c), as `fuser` finds them: through each
 * process's open files in /proc. Only the processes this user may look into are seen (all of them as root).
 */
export function captureHolders(proc = '/proc'): Array<{ pid: number; command: string }> {
  const found: Array<{ pid: number; command: string }> = [];
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((p) => /^\d+$/.test(p));
  } catch {
    return found;
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        return /^\/dev\/snd\/pcmC\d+D\d+c$/.test(readlinkSync(`${proc}/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    let command = '?';
    try {
      command = readFileSync(`${proc}/${pid}/comm`, 'utf8').trim();
    } catch {
      // gone meanwhile
    }
    found.push({ pid: Number(pid), command });
  }
  return found;
}
