import { connect } from 'node:net';
import { AssistantError } from '../assistant/thread-manager';

/**
 * Fails fast with one line when nothing listens at the API's address, instead
 * of a replay that uploads, retries and only then reports.
 */
export async function assertReachable(baseURL: string, timeoutMs = 3000): Promise<void> {
  const url = new URL(baseURL);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    const fail = (why: string) => {
      sock.destroy();
      reject(new AssistantError(`cannot reach the OpenAI API at ${baseURL} (${why})`));
    };
    sock.once('connect', () => {
      sock.end();
      resolve();
    });
    sock.once('timeout', () => fail('no answer in time'));
    sock.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
  });
}
