import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { fakeEnv } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { startService } from '../support/service-process';
import { NotifySocket, type Datagram } from './notify-socket';

const dir = mkdtempSync(join(tmpdir(), 'snapask-sd-'));
const now = () => Number(process.hrtime.bigint()) / 1e9;

/**
 * `snapask run` under a real NOTIFY_SOCKET, on the fake microphone, camera and
 * speaker: the datagrams are what systemd would receive from the service
 * (through the systemd-notify binary it spawns).
 */
describe('systemd notification from snapask run', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    // Ten seconds of room tone: the microphone is live, nobody speaks.
    writeFileSync(join(dir, 'quiet.wav'), encodeWav(Buffer.alloc(16000 * 2 * 10), 16000));
    writeServiceConfig(dir, { apiBase: fake.url, frames: 30, size: '320x240', fps: 15 });
  });
  afterAll(() => fake.close());

  let sock: NotifySocket;
  let proc: ChildProcess | undefined;
  beforeEach(async () => {
    sock = new NotifySocket();
    await sock.ready();
  });
  afterEach(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    await sock.close();
  });

  const start = (extra: Record<string, string>) => {
    const env = fakeEnv({
      NOTIFY_SOCKET: sock.path,
      FAKE_ARECORD_WAV: join(dir, 'quiet.wav'), FAKE_ARECORD_LOG: join(dir, 'arecord.log'),
      FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_CAMERA_LOG: join(dir, 'camera.log'),
      FAKE_APLAY_DIR: join(dir, 'played'),
      ...extra,
    });
    delete env.OPENAI_API_KEY;
    delete env.WATCHDOG_PID;
    proc = startService(join(dir, 'config.json'), env).proc;
    return proc;
  };
  const exit = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.on('close', r)));
  const pings = () => sock.datagrams.filter((d) => d.fields.WATCHDOG === '1');
  const statuses = () => sock.datagrams.filter((d) => d.fields.STATUS !== undefined).map((d) => d.fields.STATUS);

  it('says READY=1 only once config, model, camera and microphone are up, reports STATUS=, pings the watchdog and says STOPPING=1', async () => {
    const p = start({ WATCHDOG_USEC: '1000000' });
    const ready = await sock.waitFor((d) => d.fields.READY === '1', 30_000);
    expect(ready.fields.STATUS).toBe('listening');
    // Before READY: what it was doing while starting, in order.
    const before = sock.datagrams.filter((d) => d.t < ready.t).map((d) => d.fields.STATUS);
    expect(before).toEqual(expect.arrayContaining(['loading the speech model', 'starting the camera']));
    expect(before.indexOf('loading the speech model')).toBeLessThan(before.indexOf('starting the camera'));
    // The microphone's first sound and the camera's first frame came before READY.
    const micStart = Number(readFileSync(join(dir, 'arecord.log'), 'utf8').trim());
    const firstFrame = Number(readFileSync(join(dir, 'camera.log'), 'utf8').trim().split('\n')[0]!.split(' ')[1]);
    expect(micStart).toBeLessThan(ready.t);
    expect(firstFrame).toBeLessThan(ready.t);

    // WATCHDOG_USEC=1 s: a ping every half second while the microphone runs.
    await new Promise((r) => setTimeout(r, 3000));
    const after = pings().filter((d) => d.t >= ready.t - 0.01);
    expect(after.length).toBeGreaterThanOrEqual(4);
    expect(after.length).toBeLessThanOrEqual(8);
    // Measured on arrival, so each gap carries the jitter of starting a systemd-notify process on a busy machine:
    // on average half a second (not one ping per 100 ms chunk), and never the full second that gets it killed.
    const gaps = after.slice(1).map((d, i) => d.t - after[i]!.t);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.75);
    for (const g of gaps) expect(g).toBeGreaterThan(0.25);
    for (const g of gaps) expect(g).toBeLessThan(1.0);

    p.kill('SIGTERM');
    expect(await exit(p)).toBe(0);
    const stopping = sock.datagrams.find((d) => d.fields.STOPPING === '1');
    expect(stopping).toBeDefined();
    expect(sock.datagrams.filter((d) => d.fields.READY === '1')).toHaveLength(1);
  }, 60_000);

  it('stops the watchdog pings when the audio pipeline stalls, while the process stays up', async () => {
    const p = start({ WATCHDOG_USEC: '600000', FAKE_ARECORD_STALL_AFTER: '2.5' });
    const ready = await sock.waitFor((d) => d.fields.READY === '1', 30_000);
    const micStart = Number(readFileSync(join(dir, 'arecord.log'), 'utf8').trim());
    const stalledAt = micStart + 2.5;
    // Wait past the stall by several watchdog periods.
    while (now() < stalledAt + 2.5) await new Promise((r) => setTimeout(r, 100));
    expect(p.exitCode).toBeNull();
    const live = pings().filter((d) => d.t >= ready.t - 0.01 && d.t <= stalledAt + 0.2);
    expect(live.length).toBeGreaterThanOrEqual(2);
    // Nothing after the last period of sound was processed: systemd would kill and restart it.
    // (0.8 s of slack for the last ping's systemd-notify on a busy machine; a live pipeline would have sent 5 more by then.)
    expect(pings().filter((d) => d.t > stalledAt + 0.8)).toEqual([]);
    p.kill('SIGTERM');
    await exit(p);
  }, 60_000);

  it('announces voice-only readiness without a camera, and no readiness at all when the microphone fails', async () => {
    let p = start({ FAKE_CAMERA_FAIL: '1' });
    const ready = await sock.waitFor((d) => d.fields.READY === '1', 30_000);
    expect(ready.fields.STATUS).toBe('listening (voice only: no camera)');
    // Without WATCHDOG_USEC nobody asked for pings.
    await new Promise((r) => setTimeout(r, 1000));
    expect(pings()).toEqual([]);
    p.kill('SIGTERM');
    await exit(p);

    await sock.close();
    sock = new NotifySocket();
    await sock.ready();
    // A microphone that cannot be opened: no readiness and no pings (systemd's start timeout restarts the
    // unit), the reason in STATUS=, and the service keeps trying to open it until told to stop.
    p = start({ FAKE_ARECORD_FAIL: '1', WATCHDOG_USEC: '1000000' });
    await sock.waitFor((d) => /^error: microphone/.test(d.fields.STATUS ?? ''), 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    expect(p.exitCode).toBeNull();
    p.kill('SIGTERM');
    expect(await exit(p)).toBe(0);
    // Let the last systemd-notify children land.
    await new Promise((r) => setTimeout(r, 300));
    const got: Datagram[] = sock.datagrams;
    expect(got.filter((d) => d.fields.READY === '1' || d.fields.WATCHDOG === '1')).toEqual([]);
    expect(statuses()).toContain('error: microphone stopped: arecord exited: arecord: main:831: audio open error: No such file or directory');
  }, 60_000);
});
