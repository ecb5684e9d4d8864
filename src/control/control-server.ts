import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { LED_NAMES, type LedName } from '../indicator/led-indicator';
import { ControlError, type DeviceControl, type MicrophoneLender } from './device-control';
import { readMessages, REQUEST_TYPES, writeMessage, type RequestType } from './protocol';

/** Requests are small; a longer line is a confused client. */
const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * The control socket: a unix socket, mode 600 in a directory only the service's user (and root) can enter,
 * serving a DeviceControl to `snapask doctor` and other local tools, one newline-delimited JSON message per
 * line (protocol.ts). What a client leaves behind (LEDs lit by hand, a state watch, the microphone lent to it)
 * ends with its connection.
 */
export class ControlServer {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly control: DeviceControl & MicrophoneLender,
    private readonly onError: (message: string) => void = () => undefined,
    private readonly onInfo: (fields: Record<string, unknown>, message: string) => void = () => undefined,
  ) {}

  /** Listens on `path` (a stale socket of an earlier run is replaced; a live one is another service: an error). */
  async listen(path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (await answering(path)) throw new Error(`another snapask service is running (its control socket ${path} answers)`);
    rmSync(path, { force: true });
    const server = createServer((s) => this.serve(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, 0o600);
    server.on('error', (e) => this.onError(`control socket: ${e.message}`));
    this.server = server;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    const conn: Connection = { cleanups: [] };
    let ledsHeld = false;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      for (const c of conn.cleanups) c();
      this.giveBack(conn);
      if (ledsHeld) void this.control.releaseLeds();
    });
    readMessages(
      socket,
      MAX_REQUEST_BYTES,
      (m) => {
        const id = typeof m.id === 'number' ? m.id : null;
        const type = m.type;
        if (id === null || typeof type !== 'string' || !REQUEST_TYPES.includes(type as RequestType)) {
          writeMessage(socket, { type: 'error', id, data: { message: `unknown request (type ${JSON.stringify(type)}, id ${JSON.stringify(m.id)}): types are ${REQUEST_TYPES.join(', ')}`, code: 'bad-request' } });
          return;
        }
        const data = (m.data ?? {}) as Record<string, unknown>;
        if (type === 'show-leds') ledsHeld = true;
        if (type === 'release-leds') ledsHeld = false;
        this.handle(type as RequestType, id, data, socket, conn).then(
          (result) => writeMessage(socket, { type: 'result', id, data: result }),
          (e: unknown) => {
            const code = e instanceof ControlError ? e.code : 'failed';
            writeMessage(socket, { type: 'error', id, data: { message: e instanceof Error ? e.message : String(e), code } });
          },
        );
      },
      (why) => writeMessage(socket, { type: 'error', id: null, data: { message: why, code: 'bad-request' } }),
    );
  }

  private async handle(type: RequestType, id: number, data: Record<string, unknown>, socket: Socket, conn: Connection): Promise<unknown> {
    const c = this.control;
    switch (type) {
      case 'state':
        return c.state();
      case 'watch': {
        const off = c.onState((s) => writeMessage(socket, { type: 'state', id, data: s }));
        conn.cleanups.push(off);
        return c.state();
      }
      case 'mute':
        if (typeof data.muted !== 'boolean') throw new ControlError('mute: data.muted must be true or false', 'bad-request');
        return c.setMuted(data.muted);
      case 'levels':
        return c.levels(seconds(data, 60), (r) => writeMessage(socket, { type: 'level', id, data: r }));
      case 'frame': {
        const shot = await c.frame();
        return { jpeg: shot.jpeg.toString('base64'), width: shot.width, height: shot.height, ...(shot.fps !== undefined ? { fps: shot.fps } : {}) };
      }
      case 'speak':
        if (typeof data.text !== 'string' || data.text.length > 500) throw new ControlError('speak: data.text must be a text of at most 500 characters', 'bad-request');
        await c.speak(data.text);
        return {};
      case 'leds':
        return { leds: await c.leds() };
      case 'show-leds': {
        const lit = data.lit;
        if (!Array.isArray(lit) || !lit.every((n) => LED_NAMES.includes(n as LedName))) throw new ControlError(`show-leds: data.lit must list LEDs among ${LED_NAMES.join(', ')}`, 'bad-request');
        await c.showLeds(lit as LedName[]);
        return {};
      }
      case 'release-leds':
        await c.releaseLeds();
        return {};
      case 'next-button':
        return { press: (await c.nextButtonPress(seconds(data, 120))) ?? null };
      case 'lend':
        if (!conn.giveBack) {
          conn.giveBack = c.borrowMicrophone();
          this.onInfo({}, 'calibration: microphone lent to a control client');
        }
        return {};
      case 'give-back':
        this.giveBack(conn);
        return {};
      case 'record': {
        // Recorded audio is kept by the client: only while the words it holds cannot act.
        if (!conn.giveBack) throw new ControlError('record: the microphone is not lent to this connection (send "lend" first)', 'bad-request');
        const s = seconds(data, 60);
        this.onInfo({ seconds: s }, 'calibration: recording');
        const pcm = await c.record(s);
        return { pcm: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64') };
      }
    }
  }

  private giveBack(conn: Connection): void {
    if (!conn.giveBack) return;
    conn.giveBack();
    conn.giveBack = undefined;
    this.onInfo({}, 'calibration: microphone given back');
  }
}

/** What one connection holds, ended with it. */
interface Connection {
  cleanups: Array<() => void>;
  giveBack?: () => void;
}

function seconds(data: Record<string, unknown>, max: number): number {
  const s = data.seconds;
  if (typeof s !== 'number' || !(s > 0 && s <= max)) throw new ControlError(`data.seconds must be a number from 0 to ${max}`, 'bad-request');
  return s;
}

/** Whether a service listens on `path` now (a leftover socket file of a crashed one does not). */
function answering(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
