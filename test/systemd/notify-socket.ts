import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** One datagram as the service manager would see it. `t`: arrival, seconds on CLOCK_MONOTONIC. */
export interface Datagram {
  t: number;
  fields: Record<string, string>;
  raw: string;
}

// Node has no unix datagram sockets: a few lines of Python play systemd's side.
// Like the manager, it takes the descriptor a BARRIER=1 message carries and
// closes it, which is what lets systemd-notify return.
const LISTENER = String.raw`
import array, json, os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"bound": True}), flush=True)
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[: len(data) - len(data) % 4])
            for fd in fds:
                os.close(fd)
    print(json.dumps({"t": time.monotonic(), "raw": msg.decode()}), flush=True)
`;

/** A real NOTIFY_SOCKET: a bound unix datagram socket that records what arrives. */
export class NotifySocket {
  readonly path: string;
  readonly datagrams: Datagram[] = [];
  private readonly proc: ChildProcessByStdio<null, Readable, Readable>;
  private readonly bound: Promise<void>;

  /** `path`: where to bind it (a folder that exists); a new temporary folder's notify.sock by default. */
  constructor(path?: string) {
    this.path = path ?? join(mkdtempSync(join(tmpdir(), 'snapask-notify-')), 'notify.sock');
    this.proc = spawn('python3', ['-c', LISTENER, this.path], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    let buf = '';
    let err = '';
    this.proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    this.bound = new Promise((resolve, reject) => {
      this.proc.on('close', (code) => reject(new Error(`notify socket listener exited (${code}): ${err}`)));
      this.proc.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = JSON.parse(buf.slice(0, nl)) as { bound?: boolean; t: number; raw: string };
          buf = buf.slice(nl + 1);
          if (line.bound) {
            resolve();
            continue;
          }
          const fields = Object.fromEntries(line.raw.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
          this.datagrams.push({ t: line.t, fields, raw: line.raw });
        }
      });
    });
  }

  ready(): Promise<void> {
    return this.bound;
  }

  /** Resolves with the first datagram that matches, waiting for it up to `ms`. */
  async waitFor(match: (d: Datagram) => boolean, ms: number): Promise<Datagram> {
    const deadline = Date.now() + ms;
    for (;;) {
      const d = this.datagrams.find(match);
      if (d) return d;
      if (Date.now() > deadline) throw new Error(`no matching datagram in ${ms} ms; got: ${JSON.stringify(this.datagrams.map((x) => x.raw))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    this.proc.removeAllListeners('close');
    this.proc.kill('SIGTERM');
    await once(this.proc, 'close');
  }
}
