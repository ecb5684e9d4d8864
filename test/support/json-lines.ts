import type { Readable } from 'node:stream';

/** Calls `each` with every JSON line a child writes (pino logs, turn events), however the reads split them. */
export function onJsonLines<T>(stream: Readable, each: (value: T) => void): void {
  let buf = '';
  stream.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) each(JSON.parse(line) as T);
    }
  });
}
