import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../support/fake-bin';
import { lastLines, npmCiLine, pathWithoutTsc, sh, tempDir } from './deploy-support';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NAME = `snapask-${VERSION}`;

/** Every file under dir (relative paths), sorted. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** size, mode, mtime and inode of every file: equal before and after means nothing was deleted, rebuilt or touched. */
function fingerprint(dir: string): string[] {
  return files(dir).map((f) => {
    const s = statSync(join(dir, f));
    return `${f} ${s.size} ${s.mode.toString(8)} ${s.mtimeMs} ${s.ino}`;
  });
}

// The archive from the dist/ this test runs on (make package: what make release does after make build;
// make release itself would rebuild dist/ under the running tests).
let archive: string;
beforeAll(async () => {
  const out = tempDir('snapask-release-');
  const r = await sh('make', ['-s', '-C', REPO_ROOT, 'package', `OUT=${out}`]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  archive = join(out, `${NAME}.tar.gz`);
  expect(r.out.trim().split('\n').pop()).toBe(archive);
}, 60000);

/** The archive unpacked into a new folder, as on the Pi (tar xzf snapask-*.tar.gz): its snapask-<version>/. */
async function unpack(): Promise<string> {
  const dir = tempDir('snapask-unpacked-');
  const r = await sh('tar', ['xzf', archive], {}, dir);
  expect(r.code).toBe(0);
  return join(dir, NAME);
}

describe('make release (the archive)', () => {
  it('holds the built service, package.json with its lock file, deploy/, assets/, hardware/ and README, nothing else', async () => {
    const r = await sh('tar', ['tzvf', archive]);
    expect(r.code).toBe(0);
    const entries = r.out.trim().split('\n').map((l) => {
      const cols = l.split(/\s+/);
      return { mode: cols[0]!, owner: cols[1]!, path: cols.slice(5).join(' ') };
    });
    // One folder, snapask-<version>/, so that cd snapask-* works.
    for (const e of entries) expect(e.path.startsWith(`${NAME}/`)).toBe(true);
    const paths = entries.map((e) => e.path.slice(NAME.length + 1));
    const top = new Set(paths.map((p) => p.split('/')[0]).filter((p) => p !== ''));
    const expected = ['README.md', 'assets', 'deploy', 'dist', 'hardware', 'package-lock.json', 'package.json'];
    if (existsSync(join(REPO_ROOT, 'LICENSE'))) expected.push('LICENSE');
    expect([...top].sort()).toEqual(expected.sort());
    // dist/src only: no compiled tests, no node_modules (the Pi builds its own), no TypeScript sources.
    expect(new Set(paths.filter((p) => p.startsWith('dist/')).map((p) => p.split('/')[1]).filter(Boolean))).toEqual(new Set(['src']));
    expect(paths.filter((p) => /(^|\/)(node_modules|test)(\/|$)/.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.ts'))).toEqual([]);
    // Every built file of the service is there.
    const built = files(join(REPO_ROOT, 'dist/src')).map((f) => `dist/src/${f}`);
    expect(paths.filter((p) => p.startsWith('dist/src/') && !p.endsWith('/')).sort()).toEqual(built);
    // package.json's bin (the snapask command) runs; so do the installer and uninstaller.
    const mode = (p: string) => entries.find((e) => e.path === `${NAME}/${p}`)?.mode;
    expect(mode('dist/src/cli/main.js')).toMatch(/^-rwx/);
    expect(mode('deploy/install.sh')).toMatch(/^-rwx/);
    expect(mode('deploy/uninstall.sh')).toMatch(/^-rwx/);
    // Root-owned when root unpacks it.
    for (const e of entries) expect(e.owner).toBe('0/0');
    const dir = await unpack();
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ snapask: 'dist/src/cli/main.js' });
    expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).toBe(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8'));
  });

  it('installs from the unpacked archive without tsc: dist/ is copied (src only, root-owned), never deleted or rebuilt', async () => {
    const dir = await unpack();
    // Unpacked by the pi user, as the README says.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await sh('chown', ['-R', '1000:1000', dir]);
    const before = fingerprint(join(dir, 'dist'));
    const root = tempDir();
    const r = await sh(join(dir, 'deploy/install.sh'), ['--root', root], { PATH: pathWithoutTsc() });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/tsc|make build/);
    expect(fingerprint(join(dir, 'dist'))).toEqual(before);
    const app = join(root, 'opt/snapask/app');
    expect(files(join(app, 'dist'))).toEqual(files(join(dir, 'dist')));
    expect(existsSync(join(app, 'dist/test'))).toBe(false);
    expect(statSync(join(app, 'dist/src/cli/main.js')).mode & 0o111).toBe(0o111);
    for (const f of ['package.json', 'package-lock.json', 'README.md', 'assets/cues/chime.wav']) expect(existsSync(join(app, f))).toBe(true);
    if (asRoot) for (const f of ['dist/src/cli/main.js', 'assets/cues/chime.wav', 'package.json']) expect(statSync(join(app, f)).uid).toBe(0);
    // The device fetches production dependencies only, without onnxruntime-node's GPU downloads.
    const npm = npmCiLine(r.out);
    expect(npm).toMatch(/ npm ci --omit=dev .*--prefix \/opt\/snapask\/app$/);
    expect(npm).toContain(' ONNXRUNTIME_NODE_INSTALL=skip ');
  });

  it('make install in a built tree without tsc installs the dist/ it has; make build there leaves dist/ alone', async () => {
    // A clone built elsewhere and copied over (no node_modules, so no tsc).
    const tree = join(tempDir('snapask-tree-'), 'snapask');
    mkdirSync(tree);
    for (const f of ['Makefile', 'package.json', 'package-lock.json', 'README.md', 'deploy', 'assets', 'hardware']) cpSync(join(REPO_ROOT, f), join(tree, f), { recursive: true });
    cpSync(join(REPO_ROOT, 'dist/src'), join(tree, 'dist/src'), { recursive: true, preserveTimestamps: true });
    const before = fingerprint(join(tree, 'dist'));
    const env = { PATH: pathWithoutTsc() };

    const build = await sh('make', ['-s', 'build'], env, tree);
    expect(build.code).not.toBe(0);
    expect(build.err).toContain('tsc not found');
    expect(fingerprint(join(tree, 'dist'))).toEqual(before);

    const root = tempDir();
    const r = await sh('make', ['-s', 'install', `ARGS=--root ${root}`], env, tree);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('no tsc here: installing the dist/ already built');
    expect(fingerprint(join(tree, 'dist'))).toEqual(before);
    expect(existsSync(join(root, 'opt/snapask/app/dist/src/cli/main.js'))).toBe(true);

    // Neither dist/ nor tsc: one line saying what to do, nothing installed.
    rmSync(join(tree, 'dist'), { recursive: true });
    const none = await sh('make', ['-s', 'install', `ARGS=--root ${tempDir()}`], env, tree);
    expect(none.code).not.toBe(0);
    expect(none.err).toContain('no dist/ and no tsc');
  });

  it('updating from a newer archive replaces the program and keeps config, secrets and spool', async () => {
    const root = tempDir();
    const first = await unpack();
    expect((await sh(join(first, 'deploy/install.sh'), ['--root', root], { PATH: pathWithoutTsc() })).code).toBe(0);
    const etc = join(root, 'etc/snapask');
    const config = '{"camera":{"kind":"v4l2"},"audio":{"device":"plughw:CARD=Mic,DEV=0"}}\n';
    const secrets = 'OPENAI_API_KEY=sk-mine\nZAPIER_HOOK_URL=https://hooks.zapier.com/x\n';
    const spool = join(root, 'var/lib/snapask');
    const secretsFile = join(spool, 'secrets/secrets.env');
    writeFileSync(join(etc, 'config.json'), config);
    writeFileSync(secretsFile, secrets);
    chmodSync(secretsFile, 0o600);
    mkdirSync(join(spool, 'turns'), { recursive: true });
    writeFileSync(join(spool, 'turns/pending.json'), '{"turn":1}');
    writeFileSync(join(spool, 'conversation.json'), '{"thread":"t"}');

    // The newer release: a file added, one gone.
    const second = await unpack();
    writeFileSync(join(second, 'dist/src/new-in-this-release.js'), '"use strict";\n');
    rmSync(join(second, 'dist/src/clock.js.map'));
    const r = await sh(join(second, 'deploy/install.sh'), ['--root', root], { PATH: pathWithoutTsc() });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('ok: keeping /etc/snapask/config.json');
    expect(r.out).toContain('ok: keeping /var/lib/snapask/secrets/secrets.env');
    expect(r.out).not.toMatch(/install -m \d+ \S+ \S+\/(etc\/snapask\/config\.json|secrets\.env)$/m);
    expect(readFileSync(join(etc, 'config.json'), 'utf8')).toBe(config);
    expect(readFileSync(secretsFile, 'utf8')).toBe(secrets);
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(spool, 'turns/pending.json'), 'utf8')).toBe('{"turn":1}');
    expect(readFileSync(join(spool, 'conversation.json'), 'utf8')).toBe('{"thread":"t"}');
    const app = join(root, 'opt/snapask/app');
    expect(existsSync(join(app, 'dist/src/new-in-this-release.js'))).toBe(true);
    expect(existsSync(join(app, 'dist/src/clock.js.map'))).toBe(false);
    // The key is there: the last line says it is done, not what to edit.
    expect(lastLines(r.out, 1)[0]).toMatch(/^done\. /);
    expect(r.out).not.toContain('no OpenAI API key');
  });
});
