import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav';
import { DEFAULT_CONFIG } from '../../src/config/config';
import { apiKeyFor } from '../../src/app/thread-manager-factory';
import { checkApi } from '../../src/doctor/system-checks';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { FAKE_BIN, fakeEnv } from '../support/fake-bin';
import { runCli } from '../support/cli';
import { mjpegFrames } from '../support/jpeg';
import { BOARDS, FakeSysfs } from '../indicator/fake-sysfs';

const dir = mkdtempSync(join(tmpdir(), 'snapask-doctor-'));

/** Two seconds of a 440 Hz tone at -12 dBFS then quiet, as the fake microphone's sound. */
function toneWav(): Buffer {
  const n = 16000 * 4;
  const pcm = Buffer.alloc(n * 2);
  for (let i = 0; i < 16000 * 2; i++) pcm.writeInt16LE(Math.round(8230 * Math.sin((2 * Math.PI * 440 * i) / 16000)), i * 2);
  for (let i = 16000 * 2; i < n; i++) pcm.writeInt16LE(((i * 7919) % 61) - 30, i * 2);
  return encodeWav(pcm, 16000);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function writeConfig(name: string, config: Record<string, unknown>): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ recogniser: { engine: 'pocketsphinx' }, camera: { kind: 'none' }, stateDir: join(dir, `state-${name}`), ...config }));
  return path;
}

const baseEnv = () => ({ FAKE_ARECORD_WAV: join(dir, 'mic.wav'), FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_APLAY_DIR: join(dir, 'played'), RUNTIME_DIRECTORY: join(dir, 'no-service') });
const lineOf = (stdout: string, name: string) => stdout.split('\n').find((l) => l.slice(2).startsWith(`${name}:`));

describe('snapask doctor on the fake devices and the API test double', () => {
  let fake: FakeOpenAI;
  let sysfs: FakeSysfs;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    sysfs = new FakeSysfs(BOARDS['pi4-bookworm']!);
    writeFileSync(join(dir, 'mic.wav'), toneWav());
    writeFileSync(join(dir, 'cam.mjpeg'), mjpegFrames(30, '640x480', 15));
  });
  afterAll(async () => {
    sysfs.close();
    await fake.close();
  });

  it('passes every check, one line each; the LEDs light in turn; the button, with --no-wait, is skipped', async () => {
    const base = 512;
    sysfs.preExport(base + DEFAULT_CONFIG.gpio.button!, '1');
    const config = writeConfig('good', {
      openai: { baseURL: fake.url },
      camera: { kind: 'rpicam', width: 640, height: 480, fps: 15 },
      gpio: { enabled: true, sysfsRoot: sysfs.root },
    });
    const lit = new Set<string>();
    const sampler = setInterval(() => {
      for (const [name, pin] of Object.entries(DEFAULT_CONFIG.gpio.leds)) if (sysfs.exported(base + pin!) && sysfs.value(base + pin!) === '1') lit.add(name);
    }, 20);
    const r = await runCli(['doctor', '--config', config, '--no-wait', '--out', dir], baseEnv()).finally(() => clearInterval(sampler));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = r.stdout.trim().split('\n');
    const checks = lines.filter((l) => /^[✓✗-] /.test(l));
    expect(checks.map((l) => l.split(':')[0])).toEqual([
      '✓ config', '✓ stateDir', '✓ microphone', '✓ camera', '✓ speaker', '✓ api key', '✓ model', '✓ network', '✓ clock', '✓ recogniser', '✓ LEDs', '- button', '✓ disk',
    ]);
    expect(lines).toContain('  no snapask service to ask: the devices are opened here');
    // The tone: peak -12 dBFS; the quiet second half sets the noise floor.
    expect(lineOf(r.stdout, 'microphone')).toMatch(/^✓ microphone: 3\.0 s from the default ALSA device: peak -12\.\d dBFS, RMS -\d+\.\d dBFS, noise floor -[6-9]\d\.\d dBFS, no clipping$/);
    const frame = join(dir, 'snapask-doctor-frame.jpg');
    expect(lineOf(r.stdout, 'camera')).toMatch(new RegExp(`^✓ camera: rpicam: one frame saved to ${frame} \\(640x480, \\d+ KB, 1[45]\\.\\d frames/s\\)$`));
    expect(readFileSync(frame).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(readdirSync(join(dir, 'played'))).toHaveLength(1);
    expect(lineOf(r.stdout, 'api key')).toBe('✓ api key: accepted by 127.0.0.1:' + fake.port);
    expect(lineOf(r.stdout, 'model')).toBe('✓ model: gpt-4.1-mini available');
    expect(lineOf(r.stdout, 'recogniser')).toBe('✓ recogniser: pocketsphinx model en-us loads; snapshot, reply, cancel, stop in its vocabulary');
    expect(lineOf(r.stdout, 'button')).toBe('- button: skipped (--no-wait)');
    expect(lines[lines.length - 1]).toBe('all checks passed');
    expect([...lit].sort()).toEqual(Object.keys(DEFAULT_CONFIG.gpio.leds).sort());
    // One cheap authenticated request, as the API describes it.
    const asked = fake.requests.filter((q) => q.operation === 'GET /models/{model}');
    expect(asked.map((q) => [q.path, /^Bearer \S+$/.test(String(q.headers.authorization))])).toEqual([['/models/gpt-4.1-mini', true]]);
    expect(fake.violations).toEqual([]);
  }, 60_000);

  it('waits for the button and names the press', async () => {
    const base = 512;
    const config = writeConfig('button', { openai: { baseURL: fake.url }, gpio: { enabled: true, sysfsRoot: sysfs.root } });
    const pin = base + DEFAULT_CONFIG.gpio.button!;
    const p = runCli(['doctor', '--config', config], baseEnv());
    // Pressed (for 200 ms) once the prompt is there: the LEDs (6 x 0.4 s) come first.
    const started = Date.now();
    while (Date.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 200));
      if (sysfs.exported(pin) && sysfs.exported(base + DEFAULT_CONFIG.gpio.leds.error!) && Date.now() - started > 6000) break;
    }
    for (let i = 0; i < 15 && (await Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), 300))])) === false; i++) {
      sysfs.setInput(pin, '0');
      await new Promise((r) => setTimeout(r, 200));
      sysfs.setInput(pin, '1');
    }
    const r = await p;
    expect(r.stdout).toContain('  press the button within 10 s...');
    expect(lineOf(r.stdout, 'button')).toMatch(/^✓ button: (short|double) press heard$/);
    expect(r.code).toBe(0);
  }, 60_000);

  it('names each failure with its fix, and exits 1', async () => {
    const holder = spawn(join(FAKE_BIN, 'arecord'), ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', '16000', '-c', '1'], {
      env: fakeEnv({ ...baseEnv(), FAKE_ALSA_LOCKS: join(dir, 'locks') }),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const refusing = await startFakeOpenAI();
    refusing.inject({ operation: 'GET /models/{model}', status: 401 });
    const notADir = join(dir, 'a-file');
    writeFileSync(notADir, '');
    const port = await closedPort();
    try {
      while (!existsSync(join(dir, 'locks', 'default.pid'))) await new Promise((r) => setTimeout(r, 20));
      const api = { openai: { baseURL: fake.url } };
      const cases: Array<[string, Record<string, unknown>, Record<string, string>, string, RegExp]> = [
        ['no-mic', api, { FAKE_ARECORD_FAIL: '1' }, 'microphone', /^✗ microphone: no microphone at default: microphone stopped: arecord exited: arecord: main:831: audio open error: No such file or directory; fix: plug the USB microphone in; arecord -L lists the devices/],
        ['busy-mic', api, { FAKE_ALSA_LOCKS: join(dir, 'locks') }, 'microphone', /^✗ microphone: default is busy: held by another program; fix: find it: sudo fuser -v \/dev\/snd\/\*; stop that program; if it is the snapask service: sudo snapask doctor checks through it, or sudo systemctl stop snapask$/],
        ['no-camera', { ...api, camera: { kind: 'rpicam' } }, { FAKE_CAMERA_FAIL: '1' }, 'camera', /^✗ camera: rpicam: .*no cameras available.*; fix: rpicam-hello --list-cameras; reseat the ribbon cable/],
        ['bad-key', { openai: { baseURL: refusing.url } }, {}, 'api key', /^✗ api key: refused by 127\.0\.0\.1:\d+ \(401\); fix: put OPENAI_API_KEY=sk-\.\.\. in .*state-bad-key\/secrets\/secrets\.env .*make a new key at https:\/\/platform\.openai\.com\/api-keys$/],
        ['no-model', { openai: { baseURL: fake.url, model: 'gpt-imaginary' } }, {}, 'model', /^✗ model: gpt-imaginary is not available to this key \(404\); fix: set openai\.model in the config/],
        ['state', { ...api, stateDir: join(notADir, 'state') }, {}, 'stateDir', /^✗ stateDir: stateDir .*a-file\/state is not writable by user \w+ \(a file is in its path\); fix: run as the service's user, or set stateDir/],
        ['offline', { openai: { baseURL: `http://127.0.0.1:${port}/v1` } }, {}, 'network', /^✗ network: cannot reach http:\/\/127\.0\.0\.1:\d+\/v1: ECONNREFUSED.*; fix: check the network/],
        ['bad-config', { camera: { kind: 'polaroid' } }, {}, 'config', /^✗ config: .*camera\.kind.*; fix: edit .*bad-config\.json$/],
        ['no-vosk', { ...api, recogniser: { engine: 'vosk', modelDir: join(dir, 'no-model') } }, {}, 'recogniser', /^✗ recogniser: Vosk model directory not found: .*no-model; fix: deploy\/install\.sh downloads it on the device; or set recogniser\.engine to "pocketsphinx"/],
        ['odd-word', { ...api, commands: { snapshot: 'snapzork' } }, {}, 'recogniser', /^✗ recogniser: .*"snapzork" is not in the pocketsphinx dictionary.*; fix: choose commands\.\* words in its dictionary$/],
      ];
      const runs = await Promise.all(cases.map(([name, config, env]) => runCli(['doctor', '--config', writeConfig(name, config), '--no-wait', '--out', dir], { ...baseEnv(), ...env })));
      cases.forEach(([name, , , check, expected], i) => {
        const r = runs[i]!;
        expect({ name, code: r.code, line: lineOf(r.stdout, check) }).toEqual({ name, code: 1, line: expect.stringMatching(expected) });
        // Only that check fails (bad-key also skips the model; offline the key, the model and the clock).
        expect({ name, failed: r.stdout.split('\n').filter((l) => l.startsWith('✗')).length }).toEqual({ name, failed: 1 });
      });
      expect(lineOf(runs[3]!.stdout, 'model')).toBe('- model: skipped (the key was refused)');
      expect(runs[7]!.stdout.trim().split('\n')[1]).toBe('1 check failed; the others need a valid config');
    } finally {
      holder.kill('SIGTERM');
      await refusing.close();
    }
  }, 90_000);
});

describe('the API check', () => {
  it('explains a clock far off the server\'s, and a TLS failure on a wrong date', async () => {
    const fake = await startFakeOpenAI();
    try {
      const config = { ...DEFAULT_CONFIG, openai: { ...DEFAULT_CONFIG.openai, baseURL: fake.url } };
      const late = await checkApi(config.openai, apiKeyFor(config.openai.baseURL, {}), '/s/secrets.env', 5000, () => Date.now() + 3600_000);
      expect(late.clock).toEqual({ name: 'clock', status: 'failed', detail: expect.stringMatching(/^this machine's clock is 36\d\d s ahead of 127\.0\.0\.1:\d+'s \(TLS fails on a wrong date\)$/), fix: 'sudo timedatectl set-ntp true' });
      expect(late.network.status).toBe('ok');
    } finally {
      await fake.close();
    }
  });
});

describe('snapask doctor against a server whose certificate is valid only from 2030', () => {
  it('explains the TLS failure as a wrong date (what a Pi without a clock battery sees after a long power cut)', async () => {
    const certs = mkdtempSync(join(tmpdir(), 'snapask-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: ['ignore', 'ignore', 'pipe'] });
    mkdirSync(join(certs, 'db'));
    writeFileSync(join(certs, 'db/index.txt'), '');
    writeFileSync(join(certs, 'db/serial'), '01\n');
    writeFileSync(join(certs, 'ca.cnf'), '[ca]\ndefault_ca=c\n[c]\ndatabase=db/index.txt\nserial=db/serial\nnew_certs_dir=db\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\n[p]\ncommonName=supplied\n');
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=snapask test CA', '-days', '3650');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1');
    ssl('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', 'srv.csr', '-out', 'srv.pem', '-startdate', '300101000000Z', '-enddate', '310101000000Z');
    const server = createHttpsServer({ key: readFileSync(join(certs, 'srv.key')), cert: readFileSync(join(certs, 'srv.pem')) }, (_q, res) => res.end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const config = writeConfig('tls', { openai: { baseURL: `https://127.0.0.1:${port}/v1` } });
      const r = await runCli(['doctor', '--config', config, '--no-wait'], { ...baseEnv(), NODE_EXTRA_CA_CERTS: join(certs, 'ca.pem'), OPENAI_API_KEY: 'sk-test-not-sent' });
      expect(r.code).toBe(1);
      expect(lineOf(r.stdout, 'clock')).toMatch(/^✗ clock: TLS failed with CERT_NOT_YET_VALID: this machine's clock says 20\d\d-.*, and certificates look not yet valid at a wrong date; fix: set the time: sudo timedatectl set-ntp true/);
      expect(lineOf(r.stdout, 'network')).toBe(`✓ network: 127.0.0.1:${port} reached (TLS refused: CERT_NOT_YET_VALID)`);
      expect(r.stdout).not.toContain('sk-test-not-sent');
    } finally {
      server.close();
    }
  }, 60_000);
});
