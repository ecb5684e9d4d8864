import { spawn } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_RATE } from '../../src/audio/audio-source';
import { dbfs, LevelMeter } from '../../src/audio/level-meter';
import { FileFrameSource } from '../../src/camera/file-frame-source';
import { MonotonicClock } from '../../src/clock';
import { ControlClient } from '../../src/control/control-client';
import { ControlServer } from '../../src/control/control-server';
import type { ServiceState } from '../../src/control/device-control';
import { controlSocketCandidates, controlSocketPath } from '../../src/control/protocol';
import { ServiceControl } from '../../src/control/service-control';
import { FanoutIndicator } from '../../src/indicator/fanout-indicator';
import { checkButton } from '../../src/doctor/device-checks';
import { mjpegFrames } from '../support/jpeg';

/** A sine of `amplitude` (of full scale 32768) at 440 Hz, `seconds` long, 16 kHz S16_LE. */
function sine(amplitude: number, seconds: number): Buffer {
  const n = Math.round(seconds * SAMPLE_RATE);
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE)))), i * 2);
  return b;
}

describe('LevelMeter', () => {
  it('reads a sine at -20 dBFS as peak -20, RMS -23 (a sine is 3 dB under its peak), no clipping; its noise floor from the quiet part', () => {
    const readings: number[] = [];
    const m = new LevelMeter((r) => readings.push(r.t));
    m.push(sine(32768 * 0.1, 1));
    m.push(sine(32768 * 0.001, 1));
    const s = m.summary();
    expect(s.seconds).toBeCloseTo(2);
    expect(s.peakDbfs).toBeCloseTo(-20, 0);
    expect(s.noiseFloorDbfs).toBeCloseTo(-63, 0);
    expect(s.clippedSamples).toBe(0);
    expect(readings).toHaveLength(20);
  });

  it('counts clipped samples of a sine driven past full scale', () => {
    const m = new LevelMeter();
    m.push(sine(32768 * 2, 0.5));
    const s = m.summary();
    expect(s.peakDbfs).toBeCloseTo(0, 0);
    expect(s.clippedShare).toBeGreaterThan(0.5);
    expect(dbfs(0)).toBeNull();
  });
});

describe('the control socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snapask-ctl-'));
  const clock = new MonotonicClock();
  const said: string[] = [];
  const fanout = new FanoutIndicator([]);
  let frames: FileFrameSource | undefined;
  let control: ServiceControl;
  let server: ControlServer;
  const path = join(dir, 'run', 'control.sock');

  beforeAll(async () => {
    writeFileSync(join(dir, 'cam.mjpeg'), mjpegFrames(45, '320x240', 15));
    control = new ServiceControl({
      clock, indicator: fanout, pictures: () => 2, frames: () => frames,
      say: async (t) => {
        if (t === 'fail') throw new Error('aplay failed on device nope (exit 1): audio open error');
        said.push(t);
      },
    });
    fanout.set('listening');
    server = new ControlServer(control);
    await server.listen(path);
  });
  afterAll(async () => {
    await server.close();
    await frames?.stop();
  });

  it('is a socket only its owner can use, in a directory only its owner can enter', () => {
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
  });

  it('answers state, mute (said aloud, state events to a watcher) and speak', async () => {
    const client = (await ControlClient.connect(path))!;
    const watcher = (await ControlClient.connect(path))!;
    try {
      // No camera yet (the frame test starts one).
      expect(await client.state()).toEqual({ activity: 'question', pictures: 2, muted: false, voiceOnly: true });
      const seen: ServiceState[] = [];
      watcher.onState((s) => seen.push(s));
      await new Promise((r) => setTimeout(r, 100));
      const muted = await client.setMuted(true);
      expect(muted).toMatchObject({ activity: 'muted', muted: true });
      expect(control.muted).toBe(true);
      expect(fanout.shown).toBe('muted');
      expect(said).toEqual(['Microphone off.']);
      expect((await client.setMuted(false)).muted).toBe(false);
      expect(said).toEqual(['Microphone off.', 'Microphone on.']);
      await new Promise((r) => setTimeout(r, 100));
      expect(seen.map((s) => s.muted)).toEqual([false, true, false]);
      await client.speak('hello there');
      expect(said[2]).toBe('hello there');
      await expect(client.speak('fail')).rejects.toThrow('aplay failed on device nope');
    } finally {
      client.close();
      watcher.close();
    }
  });

  it('streams levels of the audio the service hears, and sums them up', async () => {
    const client = (await ControlClient.connect(path))!;
    try {
      const readings: number[] = [];
      const levels = client.levels(0.5, (r) => readings.push(r.peakDbfs ?? -Infinity));
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 6; i++) control.hear({ pcm: sine(32768 * 0.5, 0.1), t: i / 10 });
      const s = await levels;
      expect(s.peakDbfs).toBeCloseTo(-6, 0);
      expect(s.seconds).toBeCloseTo(0.5, 1);
      expect(readings.length).toBeGreaterThanOrEqual(5);
      expect(readings.every((p) => Math.abs(p + 6) < 0.2)).toBe(true);
    } finally {
      client.close();
    }
  });

  it('gives the newest frame with its size and the measured frame rate', async () => {
    // Frame i at t0 + i/15: three seconds of frames ending now, as a camera's ring buffer holds them.
    frames = await FileFrameSource.open(join(dir, 'cam.mjpeg'), { fps: 15, clock, t0: clock.now() - 2.9 });
    await frames.start();
    const client = (await ControlClient.connect(path))!;
    try {
      const shot = await client.frame();
      expect(shot.jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      expect([shot.width, shot.height]).toEqual([320, 240]);
      expect(shot.fps).toBeCloseTo(15, 0);
    } finally {
      client.close();
    }
  });

  it('says what cannot be done: no LEDs, no button, a bad request', async () => {
    const client = (await ControlClient.connect(path))!;
    try {
      expect(await client.leds()).toEqual([]);
      await expect(client.showLeds(['listening'])).rejects.toThrow('no status LEDs (gpio.enabled is false');
      await expect(client.nextButtonPress(1)).rejects.toThrow('no button');
      await expect(client.levels(0)).rejects.toThrow('data.seconds must be a number from 0 to 60');
      // A line that is no request gets an error line, and the connection stays usable.
      const raw = createConnection(path);
      const answer = await new Promise<string>((resolve) => {
        raw.on('data', (d) => resolve(d.toString()));
        raw.write('{"type":"reboot","id":7}\n');
      });
      raw.destroy();
      expect(JSON.parse(answer)).toEqual({ type: 'error', id: 7, data: { message: expect.stringContaining('unknown request (type "reboot", id 7)'), code: 'bad-request' } });
    } finally {
      client.close();
    }
  });

  it('lends the microphone for calibration: refused while a question is open; recorded, kept from the service, given back with the connection', async () => {
    const client = (await ControlClient.connect(path))!;
    try {
      // This service has a question open (two pictures): the words said for calibration would end it.
      await expect(client.lendMicrophone()).rejects.toThrow('a question is open (say "reply" or "cancel" first)');
      expect(control.muted).toBe(false);
    } finally {
      client.close();
    }
    const idle = new ServiceControl({ clock, say: async () => undefined });
    const other = join(dir, 'idle.sock');
    const notes: string[] = [];
    const idleServer = new ControlServer(idle, () => undefined, (f, m) => notes.push(f.seconds === undefined ? m : `${m} ${String(f.seconds)}`));
    await idleServer.listen(other);
    try {
      await lendAndRecord(other, idle);
    } finally {
      await idleServer.close();
    }
    expect(notes).toEqual(['calibration: microphone lent to a control client', 'calibration: recording 0.3', 'calibration: microphone given back', 'calibration: microphone lent to a control client', 'calibration: microphone given back']);
  });

  async function lendAndRecord(other: string, idle: ServiceControl): Promise<void> {
    const a = (await ControlClient.connect(other))!;
    const b = (await ControlClient.connect(other))!;
    try {
      await expect(a.record(0.2)).rejects.toThrow('record: the microphone is not lent to this connection (send "lend" first)');
      await a.lendMicrophone();
      // Lent: the service's audio loop drops what it hears; a second borrower is refused.
      expect(idle.muted).toBe(true);
      expect((await a.state()).muted).toBe(false);
      await expect(b.lendMicrophone()).rejects.toThrow('a calibration is already running');
      const recording = a.record(0.3);
      await new Promise((r) => setTimeout(r, 50));
      const tone = sine(32768 * 0.25, 0.1);
      for (let i = 0; i < 4; i++) idle.hear({ pcm: tone, t: i / 10 });
      const pcm = await recording;
      expect(pcm).toHaveLength(0.3 * SAMPLE_RATE);
      expect(Array.from(pcm.subarray(0, 1600))).toEqual(Array.from(new Int16Array(tone.buffer.slice(tone.byteOffset, tone.byteOffset + tone.byteLength))));
      await a.giveBackMicrophone();
      expect(idle.muted).toBe(false);
      await a.lendMicrophone();
      expect(idle.muted).toBe(true);
    } finally {
      a.close();
      b.close();
    }
    // The connection gone (a calibration killed mid-way): the service has its microphone back.
    for (let i = 0; i < 50 && idle.muted; i++) await new Promise((r) => setTimeout(r, 10));
    expect(idle.muted).toBe(false);
    // A muted microphone is not lent either.
    await idle.setMuted(true);
    const c = (await ControlClient.connect(other))!;
    await expect(c.lendMicrophone()).rejects.toThrow('its microphone is muted');
    c.close();
  }

  it('a second service on the same socket is refused; a stale socket file is replaced', async () => {
    await expect(new ControlServer(control).listen(path)).rejects.toThrow(`another snapask service is running (its control socket ${path} answers)`);
    const other = join(dir, 'stale.sock');
    // A crash leaves the socket file behind: a process that listened on it, killed.
    const crashed = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(other)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => crashed.stdout.once('data', r));
    crashed.kill('SIGKILL');
    await new Promise((r) => crashed.once('close', r));
    expect(statSync(other).isSocket()).toBe(true);
    expect(await ControlClient.connect(other)).toBeUndefined();
    const second = new ControlServer(control);
    await second.listen(other);
    expect(await ControlClient.connect(other)).toBeDefined();
    await second.close();
    expect(await ControlClient.connect(join(dir, 'none.sock'))).toBeUndefined();
  });

  it('lives in the runtime directory systemd gives, else the user\'s, else the state directory', () => {
    expect(controlSocketPath({ RUNTIME_DIRECTORY: '/run/snapask' }, '/var/lib/snapask')).toBe('/run/snapask/control.sock');
    expect(controlSocketPath({ XDG_RUNTIME_DIR: '/run/user/1000' }, '/home/u/.local/state/snapask')).toBe('/run/user/1000/snapask/control.sock');
    expect(controlSocketPath({}, '/home/u/.local/state/snapask')).toBe('/home/u/.local/state/snapask/control.sock');
    expect(controlSocketCandidates({}, '/s')).toEqual(['/run/snapask/control.sock', '/s/control.sock']);
  });
});

describe('the button check', () => {
  it('fails with the fix when nobody presses, and takes a press away from the service while it waits', async () => {
    const clock = new MonotonicClock();
    const control = new ServiceControl({ clock, say: async () => undefined, hasButton: true });
    const prompts: string[] = [];
    const none = await checkButton(control, 0.2, (s) => prompts.push(s));
    expect(none).toEqual({ name: 'button', status: 'failed', detail: 'no press in 0.2 s', fix: expect.stringContaining('gpio.button and gpio.buttonActiveLow') });
    expect(prompts).toEqual(['  press the button within 0.2 s...']);
    expect(control.claimButton({ type: 'button', press: 'short', t: 1 })).toBe(false);
    const waiting = checkButton(control, 5, () => undefined);
    expect(control.claimButton({ type: 'button', press: 'short', t: 2 })).toBe(true);
    expect(await waiting).toEqual({ name: 'button', status: 'ok', detail: 'short press heard' });
  });
});
