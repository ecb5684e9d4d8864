import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/fake-bin';

const exec = promisify(execFile);
const INSTALL = join(REPO_ROOT, 'deploy/install.sh');
const UNINSTALL = join(REPO_ROOT, 'deploy/uninstall.sh');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };

async function sh(script: string, args: string[], extra: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await exec(script, args, { env: { ...env, ...extra } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

const newRoot = () => mkdtempSync(join(tmpdir(), 'snapask-root-'));

describe('deploy scripts', () => {
  it('are shellcheck clean', async () => {
    const r = await sh('shellcheck', ['-x', '-P', join(REPO_ROOT, 'deploy'), INSTALL, UNINSTALL, join(REPO_ROOT, 'deploy/lib.sh')]);
    expect(r.out + r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('--dry-run prints every step into a temporary root and changes nothing', async () => {
    const root = newRoot();
    const r = await sh(INSTALL, ['--dry-run', '--root', root]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const step of [
      /apt-get install .*alsa-utils.*rpicam-apps.*espeak-ng.*ffmpeg/,
      /download https:\/\/nodejs\.org\/dist\/v22\.\d+\.\d+\/node-v22\.\d+\.\d+-linux-arm64\.tar\.xz/,
      /download https:\/\/github\.com\/alphacep\/vosk-api\/releases\/download\/v0\.3\.45\/vosk-linux-aarch64-0\.3\.45\.zip/,
      /download https:\/\/alphacephei\.com\/vosk\/models\/vosk-model-small-en-us-0\.15\.zip/,
      /useradd --system .* snapask/,
      /usermod -a -G audio,video,gpio snapask/,
      /install -m 644 .*config\.example\.json .*\/etc\/snapask\/config\.json/,
      /install -m 600 .*secrets\.env\.example .*\/etc\/snapask\/secrets\.env/,
      /install -D -m 644 .*snapask\.service .*\/etc\/systemd\/system\/snapask\.service/,
      /systemctl enable snapask\.service/,
      /systemctl restart snapask\.service/,
    ]) expect(r.out).toMatch(step);
    expect(readdirSync(root)).toEqual([]);
  });

  it('installs the files into a root, keeps an edited config and the secrets on a second run, and is root-only for secrets', async () => {
    const root = newRoot();
    expect((await sh(INSTALL, ['--root', root])).code).toBe(0);
    const unit = join(root, 'etc/systemd/system/snapask.service');
    expect(readFileSync(unit, 'utf8')).toBe(readFileSync(join(REPO_ROOT, 'deploy/snapask.service'), 'utf8'));
    // The unit starts what was installed.
    expect(readFileSync(unit, 'utf8')).toMatch(/^ExecStart=\/opt\/snapask\/node\/bin\/node --max-semi-space-size=4 \/opt\/snapask\/app\/dist\/src\/cli\/main\.js run --config \/etc\/snapask\/config\.json$/m);
    expect(existsSync(join(root, 'opt/snapask/app/dist/src/cli/main.js'))).toBe(true);
    // What the service reads beside dist/ (resolved from it as ../../../assets): the cues and RNNoise's SIMD kernel.
    for (const f of ['assets/cues/click.wav', 'assets/cues/chime.wav', 'assets/cues/error.wav', 'assets/rnnoise/int8-linear.wasm']) {
      expect(existsSync(join(root, 'opt/snapask/app', f))).toBe(true);
    }
    const secrets = join(root, 'etc/snapask/secrets.env');
    expect(statSync(secrets).mode & 0o777).toBe(0o600);

    const config = join(root, 'etc/snapask/config.json');
    writeFileSync(config, '{"camera":{"kind":"none"}}');
    writeFileSync(secrets, 'OPENAI_API_KEY=sk-test-kept\n');
    chmodSync(secrets, 0o644);
    const again = await sh(INSTALL, ['--root', root]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('ok: keeping /etc/snapask/config.json');
    expect(readFileSync(config, 'utf8')).toBe('{"camera":{"kind":"none"}}');
    expect(readFileSync(secrets, 'utf8')).toBe('OPENAI_API_KEY=sk-test-kept\n');
    // A secrets file someone loosened is made root-only again.
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
  });

  it('refuses a download whose sha256 is not the pinned one', async () => {
    const root = newRoot();
    const bogus = join(root, 'not-node.tar.xz');
    writeFileSync(bogus, 'this is not Node');
    const r = await sh(INSTALL, ['--root', root], { SNAPASK_NODE_TARBALL: bogus });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/sha256 mismatch for https:\/\/nodejs\.org\/.*: expected [0-9a-f]{64}, got [0-9a-f]{64}; refusing to install it/);
    expect(existsSync(join(root, 'opt/snapask/node/bin/node'))).toBe(false);
    expect(readdirSync(join(root, 'var/cache/snapask'))).toEqual([]);
  });

  it('uninstall removes the service and program, keeps config and spool unless --purge', async () => {
    const root = newRoot();
    expect((await sh(INSTALL, ['--root', root])).code).toBe(0);
    const spool = join(root, 'var/lib/snapask');
    await exec('mkdir', ['-p', spool]);
    writeFileSync(join(spool, 'pending.json'), '{}');
    const r = await sh(UNINSTALL, ['--root', root]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/systemctl disable --now snapask\.service/);
    expect(existsSync(join(root, 'etc/systemd/system/snapask.service'))).toBe(false);
    expect(existsSync(join(root, 'opt/snapask'))).toBe(false);
    expect(existsSync(join(root, 'etc/snapask/config.json'))).toBe(true);
    expect(existsSync(join(spool, 'pending.json'))).toBe(true);
    expect((await sh(UNINSTALL, ['--root', root, '--purge'])).code).toBe(0);
    expect(existsSync(join(root, 'etc/snapask'))).toBe(false);
    expect(existsSync(spool)).toBe(false);
  });

  it('says how to use it on a bad option', async () => {
    const r = await sh(INSTALL, ['--frobnicate']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('snapask: unknown option --frobnicate');
  });
});
