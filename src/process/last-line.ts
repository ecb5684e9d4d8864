import type { Readable } from 'node:stream';

/**
 * Keeps the last complete non-empty line a child process wrote to a stream
 * (its stderr, usually): that is the line that says why it failed. Bounded,
 * however long the process runs, and a line split across reads stays whole.
 */
export function lastLineOf(stream: Readable): () => string {
  let last = '';
  let partial = '';
  stream.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    if (partial.length > 4096) partial = partial.slice(-4096);
    for (const l of lines) if (l.trim()) last = l.trim();
  });
  return () => partial.trim() || last;
}
