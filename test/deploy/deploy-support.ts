import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/fake-bin';

export const exec = promisify(execFile);
export const INSTALL = join(REPO_ROOT, 'deploy/install.sh');
export const UNINSTALL = join(REPO_ROOT, 'deploy/uninstall.sh');
export const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };

export interface Ran { code: number; out: string; err: string }

/**
 * Runs a real program (the installer, make, tar) and keeps its exit code and output, whatever it is.
 * Its stdin is /dev/null: on a socket (Node's default pipes), `bash -c` (make's recipes) would read ~/.bashrc.
 */
export function sh(cmd: string, args: string[], extra: Record<string, string> = {}, cwd?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...baseEnv, ...extra }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out, err }));
  });
}

export const tempDir = (prefix = 'snapask-root-') => mkdtempSync(join(tmpdir(), prefix));

/** This PATH without any folder that has a tsc (node_modules/.bin): as on a Pi, where no TypeScript is installed. */
export function pathWithoutTsc(): string {
  return baseEnv.PATH.split(delimiter).filter((d) => d !== '' && !existsSync(join(d, 'tsc'))).join(delimiter);
}

/** A small executable shell script at dir/name. */
export function script(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** The last non-empty lines of an output. */
export const lastLines = (out: string, n: number) => out.trimEnd().split('\n').slice(-n);

/** The one line of the installer's output that runs (or would run) npm ci. */
export function npmCiLine(out: string): string {
  const lines = out.split('\n').filter((l) => / npm ci /.test(l));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}
