import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** test/bin holds stand-ins for arecord, aplay and rpicam-vid that speak the real formats. */
export const FAKE_BIN = resolve(__dirname, '../../../test/bin');
export const REPO_ROOT = resolve(__dirname, '../../..');
export const NODE_BIN = resolve(REPO_ROOT, 'node_modules/.bin');

/** An environment whose PATH finds the fakes first, then the project's Node 22. */
export function fakeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${FAKE_BIN}:${NODE_BIN}:${process.env.PATH ?? ''}`, ...extra };
}

/** fakeEnv for `snapask run`: without the test runner's own OpenAI key and systemd socket. */
export function fakeServiceEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = fakeEnv(extra);
  delete env.OPENAI_API_KEY;
  delete env.NOTIFY_SOCKET;
  return env;
}

/** What the fake aplay kept in `dir` (a WAV per playback, in order), less the ready cue every service start plays. */
export function playedAfterReady(dir: string): Buffer[] {
  if (!existsSync(dir)) return [];
  const ready = readFileSync(resolve(REPO_ROOT, 'assets/cues/ready.wav'));
  return readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f)))
    .filter((w) => !w.equals(ready));
}
