import { spawn } from 'node:child_process';
import * as path from 'node:path';

describe('fake-openai CLI', () => {
  test('prints its URL, serves requests, logs them to stderr and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(__dirname, 'main.js'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /^fake-openai listening on (http:\/\/127\.0\.0\.1:\d+\/v1)\n/.exec(stdout);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
    });

    const res = await fetch(`${url}/files`, { headers: { authorization: 'Bearer test' } });
    expect(res.status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');

    expect(await exit).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/GET \/v1\/files -> 200 \[GET \/files\]/);
  });
});
