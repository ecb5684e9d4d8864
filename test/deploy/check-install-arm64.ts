/**
 * make check-install-arm64: the release archive installed by deploy/install.sh into a clean Debian arm64 root
 * (debootstrap from Debian's mirror, run under qemu-user-static through binfmt_misc), then the installed service
 * started there, as its unit says, on the fake devices, until it says READY=1 on a notify socket.
 * What is real and what is stood in for: docs/testing.md (the arm64 installer check).
 *
 *   node dist/test/deploy/check-install-arm64.js build/snapask-<version>.tar.gz
 *
 * Needs root. Work folder build/arm64-check/ (WORK=DIR to change it): the debootstrap root cached as a tarball,
 * apt's, npm's and the installer's downloads kept between runs; the root itself is made anew from the tarball each run.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { encodeWav } from '../../src/audio/wav';
import { REPO_ROOT } from '../support/fake-bin';
import { mjpegFrames } from '../support/jpeg';
import { NotifySocket } from '../systemd/notify-socket';

const SUITE = process.env.SUITE ?? 'bookworm';
// The mirror this machine's apt uses (/etc/apt/sources.list.d): Debian's own.
const MIRROR = process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
// Raspberry Pi OS Lite has systemd (systemctl, systemd-notify) though nothing runs it in a chroot.
const INCLUDE = ['systemd'];
const WORK = resolve(process.env.WORK ?? join(REPO_ROOT, 'build/arm64-check'));
const ROOT = join(WORK, 'root');
const BASE_TAR = join(WORK, `debootstrap-${SUITE}-arm64-minbase-${INCLUDE.join('+')}.tar`);
// Kept between runs, bind-mounted into the root: apt's .deb files, npm's cache, the installer's pinned downloads.
const CACHES: [string, string][] = [
  [join(WORK, 'cache/apt'), '/var/cache/apt/archives'],
  [join(WORK, 'cache/npm'), '/root/.npm'],
  [join(WORK, 'cache/snapask'), '/var/cache/snapask'],
];
const CHECK = '/opt/snapask-check'; // inside the root: the fakes, their inputs and outputs, the stand-in package
const NOTIFY = '/run/snapask-check/notify.sock';

const t0 = Date.now();
const figures: Record<string, number | string> = {};
const since = (t: number) => Math.round((Date.now() - t) / 100) / 10;

function step(name: string): () => void {
  const t = Date.now();
  console.log(`\n== ${name}`);
  return () => {
    figures[`${name}_s`] = since(t);
    console.log(`== ${name}: ${since(t)} s`);
  };
}

function fail(msg: string): never {
  console.error(`check-install-arm64: ${msg}`);
  process.exit(1);
}

interface Ran { code: number; out: string }

/** Runs a command, its output shown as it comes (prefixed) and kept, and a log file beside if named. */
function run(cmd: string, args: string[], o: { quiet?: boolean; log?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' } });
    let out = '';
    const take = (d: Buffer) => {
      out += d.toString();
      if (!o.quiet) process.stdout.write(d);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', rej);
    child.on('close', (code) => {
      if (o.log) writeFileSync(o.log, out);
      res({ code: code ?? 1, out });
    });
  });
}

async function must(cmd: string, args: string[], o: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(cmd, args, o);
  if (r.code !== 0) fail(`${cmd} ${args.join(' ')} exited ${r.code}${o.quiet ? `:\n${r.out.slice(-3000)}` : ''}`);
  return r.out;
}

/**
 * The command run in the root (chroot), in a mount namespace of its own: /proc, /dev, /dev/shm and the caches are
 * mounted there and vanish with it, whatever happens. No /run from outside: systemd is not running in the root, as
 * in an image being built. No /sys: under qemu-user, onnxruntime's cpuinfo reads this x86 machine's CPUs there
 * and crashes (SIGSEGV); without it, it warns and goes on. (No GPIO either way: this machine has none.)
 */
function inRoot(args: string[], env: Record<string, string>, o: { caches?: boolean } = {}): [string, string[]] {
  const mounts = [
    `mount -t proc proc "$R/proc"`,
    `mount --bind /dev "$R/dev"`,
    // /dev/shm as on the device (tmpfs, 1777: the camera's timestamp files go there); the bind above has not the host's.
    `mount -t tmpfs -o mode=1777,size=64m tmpfs "$R/dev/shm"`,
    ...(o.caches === false ? [] : CACHES).map(([host, inside]) => `mkdir -p "$R${inside}" && mount --bind "${host}" "$R${inside}"`),
  ].join(' && ');
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return ['unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', `set -e; R="$1"; shift; ${mounts}; exec chroot "$R" "$@"`, 'sh', ROOT, '/usr/bin/env', '-i', ...envArgs, ...args]];
}

// This machine reaches the registries through a TLS-intercepting proxy whose CA its own trust store holds
// (/usr/local/share/ca-certificates): the root gets the same certificates, and Node (npm) is told to trust
// the system's store as it is here. Nothing of this is the installer's; a Pi needs none of it.
const HOST_CAS = '/usr/local/share/ca-certificates';
const ROOT_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
};

async function du(path: string): Promise<number> {
  const out = await must('du', ['-sxk', path], { quiet: true });
  return Math.round(Number(out.split(/\s/)[0]) / 1024);
}

/** binfmt_misc mounted and qemu-aarch64 enabled, or one line saying how. */
async function ensureBinfmt(): Promise<void> {
  if (!existsSync('/proc/sys/fs/binfmt_misc/status')) {
    await run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc'], { quiet: true });
  }
  if (!existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')) await run('update-binfmts', ['--enable', 'qemu-aarch64'], { quiet: true });
  const entry = existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64') ? readFileSync('/proc/sys/fs/binfmt_misc/qemu-aarch64', 'utf8') : '';
  if (!entry.startsWith('enabled')) {
    fail('no qemu-aarch64 in binfmt_misc: apt-get install qemu-user-static binfmt-support, then mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && update-binfmts --enable');
  }
  // F (fix binary): the interpreter is opened now, so it runs inside the chroot without a copy there.
  if (!/^flags: .*F/m.test(entry)) fail('qemu-aarch64 is registered without the F flag: install qemu-user-static (its binfmt entry has it)');
}

/** The clean Debian arm64 root, from the cached debootstrap tarball (made once). */
async function freshRoot(): Promise<void> {
  if (!existsSync(BASE_TAR)) {
    const done = step('debootstrap');
    const tmp = `${BASE_TAR}.d`;
    rmSync(tmp, { recursive: true, force: true });
    await must('debootstrap', ['--arch=arm64', '--variant=minbase', `--include=${INCLUDE.join(',')}`, SUITE, tmp, MIRROR], { log: join(WORK, 'debootstrap.log') });
    await must('tar', ['--numeric-owner', '-C', tmp, '-cf', `${BASE_TAR}.part`, '.'], { quiet: true });
    await must('mv', [`${BASE_TAR}.part`, BASE_TAR], { quiet: true });
    rmSync(tmp, { recursive: true, force: true });
    done();
  } else {
    console.log(`debootstrap root cached: ${BASE_TAR}`);
  }
  const done = step('unpack_root');
  if (process.env.REUSE_ROOT === '1' && existsSync(join(ROOT, 'etc/debian_version'))) {
    // For working on the check itself: the last run's root, packages and all. Not a clean root.
    console.log(`REUSE_ROOT=1: the last run's root (${ROOT}), not a clean one`);
  } else {
    rmSync(ROOT, { recursive: true, force: true });
    mkdirSync(ROOT, { recursive: true });
    await must('tar', ['--numeric-owner', '-C', ROOT, '-xf', BASE_TAR], { quiet: true });
  }
  copyFileSync('/etc/resolv.conf', join(ROOT, 'etc/resolv.conf'));
  for (const [host] of CACHES) mkdirSync(host, { recursive: true });
  if (existsSync(HOST_CAS)) cpSync(HOST_CAS, join(ROOT, HOST_CAS), { recursive: true });
  if (existsSync(join(ROOT, 'usr/sbin/update-ca-certificates'))) {
    const [cmd, args] = inRoot(['update-ca-certificates'], ROOT_ENV);
    await must(cmd, args, { quiet: true });
  }
  done();
}

/**
 * The stand-in for rpicam-apps (Raspberry Pi OS's, not in Debian): a package of that name holding test/bin's fake
 * rpicam-vid and rpicam-still, which take the real arguments and write MJPEG. Built here with dpkg-deb.
 */
async function standinDeb(): Promise<string> {
  const pkg = join(WORK, 'rpicam-apps-standin');
  rmSync(pkg, { recursive: true, force: true });
  const lib = join(pkg, 'usr/lib/snapask-standin/rpicam-apps');
  mkdirSync(join(lib, 'lib'), { recursive: true });
  mkdirSync(join(pkg, 'usr/bin'), { recursive: true });
  mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
  for (const f of ['rpicam-vid', 'rpicam-still', 'lib/fake-camera.js']) cpSync(join(REPO_ROOT, 'test/bin', f), join(lib, f));
  for (const f of ['rpicam-vid', 'rpicam-still']) {
    await must('ln', ['-s', `../lib/snapask-standin/rpicam-apps/${f}`, join(pkg, 'usr/bin', f)], { quiet: true });
  }
  writeFileSync(join(pkg, 'DEBIAN/control'), [
    'Package: rpicam-apps',
    'Version: 0~snapask.standin',
    'Architecture: all',
    'Maintainer: snapask tests <nobody@invalid>',
    'Description: TEST STAND-IN for rpicam-apps (snapask make check-install-arm64)',
    ' Fake rpicam-vid and rpicam-still from snapask test/bin: they take the real',
    ' arguments and write generated MJPEG frames. Not a camera program.',
    '',
  ].join('\n'));
  const deb = join(WORK, 'rpicam-apps_0~snapask.standin_all.deb');
  await must('dpkg-deb', ['--root-owner-group', '--build', pkg, deb], { quiet: true });
  return deb;
}

/** The installed unit's settings the check starts the service with (as systemd would). */
function unitSettings(): { exec: string; workdir: string; env: Record<string, string>; user: string; timeoutS: number; stateDir: string } {
  const text = readFileSync(join(ROOT, 'etc/systemd/system/snapask.service'), 'utf8');
  const one = (key: string) => {
    const m = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
    if (!m) fail(`the installed unit has no ${key}=`);
    return m[1]!.trim();
  };
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^Environment=(\S+?)=(.*)$/gm)) env[m[1]!] = m[2]!;
  return { exec: one('ExecStart'), workdir: one('WorkingDirectory'), env, user: one('User'), timeoutS: Number(one('TimeoutStartSec')), stateDir: `/var/lib/${one('StateDirectory')}` };
}

/** The installed service, started as its unit would start it, until READY=1 (or it fails, or the unit's start timeout). */
async function startService(label: string, config: Record<string, unknown>, o: { stopMayHang?: string } = {}): Promise<void> {
  const done = step(`service_${label}`);
  const unit = unitSettings();
  const configFile = join(ROOT, 'etc/snapask/config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const io = `${CHECK}/io-${label}`;
  rmSync(join(ROOT, io), { recursive: true, force: true });
  mkdirSync(join(ROOT, io, 'played'), { recursive: true });
  // Ten seconds of room tone for the microphone; thirty camera frames; both readable, the outputs writable, by the service's user.
  writeFileSync(join(ROOT, io, 'quiet.wav'), encodeWav(Buffer.alloc(16000 * 2 * 10), 16000));
  const camera = config.camera as { width: number; height: number; fps: number };
  writeFileSync(join(ROOT, io, 'cam.mjpeg'), mjpegFrames(30, `${camera.width}x${camera.height}`, camera.fps));
  await must('chmod', ['-R', 'a+rwX', join(ROOT, io)], { quiet: true });

  mkdirSync(join(ROOT, 'run/snapask-check'), { recursive: true });
  chmodSync(join(ROOT, 'run/snapask-check'), 0o755);
  rmSync(join(ROOT, NOTIFY), { force: true });
  const sock = new NotifySocket(join(ROOT, NOTIFY));
  await sock.ready();
  chmodSync(join(ROOT, NOTIFY), 0o666);

  const env = {
    ...unit.env,
    // systemd's: StateDirectory=, NOTIFY_SOCKET for Type=notify.
    STATE_DIRECTORY: unit.stateDir,
    NOTIFY_SOCKET: NOTIFY,
    HOME: unit.stateDir,
    LANG: 'C.UTF-8',
    // The fakes first (arecord, aplay; rpicam-vid is the stand-in package's, in /usr/bin); they are Node scripts.
    PATH: `${CHECK}/bin:/opt/snapask/node/bin:/usr/local/bin:/usr/bin:/bin`,
    FAKE_ARECORD_WAV: `${io}/quiet.wav`,
    FAKE_ARECORD_LOG: `${io}/arecord.log`,
    FAKE_CAMERA_MJPEG: `${io}/cam.mjpeg`,
    FAKE_CAMERA_LOG: `${io}/camera.log`,
    FAKE_APLAY_DIR: `${io}/played`,
  };
  const [cmd, args] = inRoot(
    ['setpriv', `--reuid=${unit.user}`, `--regid=${unit.user}`, '--init-groups', 'sh', '-c', `cd ${unit.workdir} && exec ${unit.exec}`],
    env,
  );
  const started = Date.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const logFile = join(WORK, `service-${label}.log`);
  try {
    const ready = await Promise.race([
      sock.waitFor((d) => d.fields.READY === '1', unit.timeoutS * 1000),
      exited.then((c) => Promise.reject(new Error(`the service exited (${c}) before READY=1`))),
    ]);
    figures[`service_${label}_ready_s`] = since(started);
    console.log(`READY=1 after ${since(started)} s, STATUS=${ready.fields.STATUS ?? ''}`);
    console.log(`notifications: ${JSON.stringify(sock.datagrams.map((d) => d.raw.replace(/\n/g, ' ')))}`);
    // The microphone and the camera were running before READY=1: their first sample and frame are logged.
    for (const f of ['arecord.log', 'camera.log']) if (!existsSync(join(ROOT, io, f))) throw new Error(`no ${f}: the fake device was not started`);
  } catch (e) {
    writeFileSync(logFile, log);
    child.kill('SIGKILL');
    await sock.close();
    fail(`${label}: ${(e as Error).message}; service log ${logFile}:\n${log.slice(-4000)}`);
  }
  // systemd's default stop timeout (the unit sets none): SIGTERM, then SIGKILL after 90 s.
  const stopAt = Date.now();
  child.kill('SIGTERM');
  const code = exitCode !== undefined ? exitCode : await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 90_000))]);
  if (code === 'hung') child.kill('SIGKILL');
  figures[`service_${label}_stop_s`] = since(stopAt);
  writeFileSync(logFile, log);
  if (code === 'hung' && o.stopMayHang) {
    await sock.close();
    console.log(`WARNING: ${label}: still running 90 s after SIGTERM (killed): ${o.stopMayHang}`);
    figures[`service_${label}_stop`] = 'killed after 90 s';
  } else {
    await stoppedCleanly(sock, code, label);
  }
  done();
}

/** After SIGTERM: exit 0 and STOPPING=1, as systemd expects of a notify service. */
async function stoppedCleanly(sock: NotifySocket, code: number | null | 'hung', label: string): Promise<void> {
  const stopping = sock.datagrams.some((d) => d.fields.STOPPING === '1');
  await sock.close();
  if (code !== 0) fail(`${label}: the service did not stop cleanly on SIGTERM (exit ${code})`);
  if (!stopping) fail(`${label}: no STOPPING=1 on SIGTERM`);
  console.log('stopped on SIGTERM: STOPPING=1, exit 0');
}

/**
 * The native modules, loaded by the installed Node in the root as the service's user: onoff's epoll addon
 * (built there by npm ci), koffi's arm64 binary (calling libc), onnxruntime-node's arm64 binary (one inference
 * of the shipped mel-spectrogram model).
 */
const PROBE = String.raw`
// The app's own modules, as the service finds them (this file is outside the app).
const req = require('node:module').createRequire(process.cwd() + '/package.json');
const out = { arch: process.arch, node: process.version };
const { Gpio } = req('onoff');
out.onoff_gpio_accessible = Gpio.accessible;
out.epoll = typeof req('epoll').Epoll;
const koffi = req('koffi');
const getpid = koffi.load('libc.so.6').func('int getpid(void)');
out.koffi_getpid_ok = getpid() === process.pid;
const ort = req('onnxruntime-node');
(async () => {
  const s = await ort.InferenceSession.create('assets/openwakeword/melspectrogram.onnx');
  const input = new ort.Tensor('float32', new Float32Array(1280), [1, 1280]);
  const r = await s.run({ [s.inputNames[0]]: input });
  out.onnx_output_dims = r[s.outputNames[0]].dims;
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

async function main(): Promise<void> {
  const archive = process.argv[2];
  if (!archive || !existsSync(archive)) fail(`usage: check-install-arm64 build/snapask-<version>.tar.gz (make release first)`);
  if (process.getuid?.() !== 0) fail('needs root (debootstrap, chroot, mounts): sudo make check-install-arm64');
  mkdirSync(WORK, { recursive: true });
  await ensureBinfmt();
  await freshRoot();
  const baseMb = await du(ROOT);

  // What goes into the root for the check: the release archive, the stand-in package, the fake microphone and speaker.
  const deb = await standinDeb();
  mkdirSync(join(ROOT, CHECK, 'bin'), { recursive: true });
  for (const f of ['arecord', 'aplay']) cpSync(join(REPO_ROOT, 'test/bin', f), join(ROOT, CHECK, 'bin', f));
  copyFileSync(deb, join(ROOT, CHECK, basename(deb)));
  copyFileSync(archive, join(ROOT, 'root', basename(archive)));

  const done = step('install');
  const release = basename(archive).replace(/\.tar\.gz$/, '');
  const [cmd, args] = inRoot(['sh', '-c', `cd /root && tar xzf ${basename(archive)} && cd ${release} && ./deploy/install.sh --test-standin-deb ${CHECK}/${basename(deb)} --test-skip-vosk`], ROOT_ENV);
  // SKIP_INSTALL=1 (with REUSE_ROOT=1, for work on the later steps): the last run's install output.
  const installed = process.env.SKIP_INSTALL === '1' && process.env.REUSE_ROOT === '1'
    ? { code: 0, out: readFileSync(join(WORK, 'install.log'), 'utf8') }
    : await run(cmd, args, { log: join(WORK, 'install.log') });
  done();
  if (installed.code !== 0) fail(`deploy/install.sh exited ${installed.code} (log: ${join(WORK, 'install.log')})`);
  // npm's own rounding: "added 105 packages in 5m" (or 40s, 900ms).
  const npmCi = /npm ci .*\n[\s\S]*?added (\d+) packages in ([\d.]+)(ms|s|m)\b/.exec(installed.out);
  if (npmCi) figures.npm_ci = `${npmCi[2]}${npmCi[3]}`;

  // No systemd running in the root: enabled for the next boot, not started; systemctl (offline) agrees.
  if (!installed.out.includes('systemd is not running here')) fail('the installer did not notice that systemd is not running');
  const wants = join(ROOT, 'etc/systemd/system/multi-user.target.wants/snapask.service');
  const link = (() => { try { return readlinkSync(wants); } catch { return '(none)'; } })();
  if (link !== '/etc/systemd/system/snapask.service') fail(`${wants} is not the enabling symlink: ${link}`);
  const [c2, a2] = inRoot(['systemctl', 'is-enabled', 'snapask.service'], ROOT_ENV);
  const enabled = (await run(c2, a2, { quiet: true })).out.trim();
  if (enabled !== 'enabled') fail(`systemctl is-enabled snapask.service in the root says "${enabled}"`);
  console.log('systemctl is-enabled snapask.service: enabled');
  const [c3, a3] = inRoot(['snapask', '--help'], ROOT_ENV);
  if (!/replay/.test(await must(c3, a3, { quiet: true }))) fail('snapask --help (the installed command) does not list replay');
  console.log('snapask --help: ok');

  figures.root_base_mb = baseMb;
  figures.root_installed_mb = await du(ROOT);
  figures.opt_snapask_mb = await du(join(ROOT, 'opt/snapask'));
  figures.node_home_mb = await du(join(ROOT, 'opt/snapask/node'));
  figures.node_modules_mb = await du(join(ROOT, 'opt/snapask/app/node_modules'));

  const probeDone = step('native_modules');
  writeFileSync(join(ROOT, CHECK, 'probe.cjs'), PROBE);
  const [c4, a4] = inRoot(['setpriv', '--reuid=snapask', '--regid=snapask', '--init-groups', 'sh', '-c', `cd /opt/snapask/app && exec /opt/snapask/node/bin/node ${CHECK}/probe.cjs`], ROOT_ENV);
  const probe = JSON.parse((await must(c4, a4, { quiet: true })).trim().split('\n').pop()!) as Record<string, unknown>;
  console.log(JSON.stringify(probe));
  if (probe.arch !== 'arm64' || probe.epoll !== 'function' || probe.koffi_getpid_ok !== true || !Array.isArray(probe.onnx_output_dims)) fail('a native module did not work');
  probeDone();

  // The installed config, with the one change the missing Vosk model forces (the recogniser engines that ship).
  const config = JSON.parse(readFileSync(join(ROOT, 'etc/snapask/config.json'), 'utf8')) as Record<string, unknown> & { recogniser: Record<string, unknown> };
  // Vosk's modelDir goes too: each of these engines then uses its own default model.
  const { modelDir: _vosk, ...recogniser } = config.recogniser;
  await startService('pocketsphinx', { ...config, recogniser: { ...recogniser, engine: 'pocketsphinx' } });
  await startService('learned', { ...config, recogniser: { ...recogniser, engine: 'learned' } }, {
    stopMayHang: 'seen under qemu-user only, where the learned detector runs far slower (docs/testing.md)',
  });

  // Uninstalling where systemd is not running: the enabling symlink and the program go, config and state stay.
  const unDone = step('uninstall');
  // Without the caches mounted: the uninstaller removes /var/cache/snapask.
  const [c5, a5] = inRoot(['sh', '-c', `cd /root/${release} && ./deploy/uninstall.sh`], ROOT_ENV, { caches: false });
  await must(c5, a5);
  if (lstatSync(wants, { throwIfNoEntry: false })) fail(`uninstall left ${wants}`);
  for (const gone of [join(ROOT, 'etc/systemd/system/snapask.service'), join(ROOT, 'opt/snapask')]) if (existsSync(gone)) fail(`uninstall left ${gone}`);
  for (const kept of [join(ROOT, 'etc/snapask/config.json'), join(ROOT, 'var/lib/snapask/secrets/secrets.env')]) if (!existsSync(kept)) fail(`uninstall removed ${kept}`);
  unDone();

  figures.total_s = since(t0);
  writeFileSync(join(WORK, 'summary.json'), JSON.stringify(figures, null, 2));
  console.log(`\ncheck-install-arm64: ok\n${JSON.stringify(figures, null, 2)}`);
}

void main().catch((e) => fail((e as Error).stack ?? String(e)));
