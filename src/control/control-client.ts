import { createConnection, type Socket } from 'node:net';
import type { LedName } from '../indicator/led-indicator';
import { ControlError, type ButtonPress, type CameraShot, type DeviceControl, type LevelReading, type LevelSummary, type ServiceState } from './device-control';
import { readMessages, writeMessage, type Requests, type RequestType, type Results } from './protocol';

/** A frame is the largest answer: a JPEG in base64 (the ring buffer caps a frame well below this). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

interface Pending {
  resolve: (data: unknown) => void;
  reject: (e: Error) => void;
  onEvent?: (m: { type: string; data: unknown }) => void;
  /** A watch: its result is its first state, and its events go on after it. */
  keep?: boolean;
}

/** A running service's DeviceControl, through its control socket (the same methods, over the wire). */
export class ControlClient implements DeviceControl {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedWhy?: string;

  private constructor(
    private readonly socket: Socket,
    readonly path: string,
  ) {
    readMessages(
      socket,
      MAX_ANSWER_BYTES,
      (m) => this.receive(m),
      (why) => this.failAll(`the service sent a bad message: ${why}`),
    );
    socket.on('error', (e) => this.failAll(`control socket ${path}: ${e.message}`));
    socket.on('close', () => this.failAll('the service closed the control connection (it stopped?)'));
  }

  /** Connects to the service's socket; undefined when nothing listens there (no service running, or a stale file). */
  static connect(path: string): Promise<ControlClient | undefined> {
    return new Promise((resolve, reject) => {
      const s = createConnection(path);
      s.once('connect', () => {
        s.removeAllListeners('error');
        resolve(new ControlClient(s, path));
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') resolve(undefined);
        else if (e.code === 'EACCES') reject(new ControlError(`cannot open the service's control socket ${path}: permission denied (run as root: sudo snapask ...)`, 'denied'));
        else reject(new ControlError(`cannot open the service's control socket ${path}: ${e.message}`));
      });
    });
  }

  /** The first of `paths` a service answers on. */
  static async find(paths: string[]): Promise<ControlClient | undefined> {
    for (const p of paths) {
      const c = await ControlClient.connect(p);
      if (c) return c;
    }
    return undefined;
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  state(): Promise<ServiceState> {
    return this.request('state', {});
  }

  /** The state now, then each change. */
  onState(listener: (s: ServiceState) => void): () => void {
    let stopped = false;
    this.request(
      'watch',
      {},
      (m) => {
        if (!stopped && m.type === 'state') listener(m.data as ServiceState);
      },
      true,
    ).then(
      (first) => {
        if (!stopped) listener(first);
      },
      () => undefined,
    );
    return () => {
      stopped = true;
    };
  }

  setMuted(muted: boolean): Promise<ServiceState> {
    return this.request('mute', { muted });
  }

  levels(seconds: number, onReading?: (r: LevelReading) => void): Promise<LevelSummary> {
    return this.request('levels', { seconds }, (m) => {
      if (m.type === 'level') onReading?.(m.data as LevelReading);
    });
  }

  async frame(): Promise<CameraShot> {
    const r = await this.request('frame', {});
    return { jpeg: Buffer.from(r.jpeg, 'base64'), width: r.width, height: r.height, ...(r.fps !== undefined ? { fps: r.fps } : {}) };
  }

  async speak(text: string): Promise<void> {
    await this.request('speak', { text });
  }

  async leds(): Promise<LedName[]> {
    return (await this.request('leds', {})).leds;
  }

  async showLeds(lit: LedName[]): Promise<void> {
    await this.request('show-leds', { lit });
  }

  async releaseLeds(): Promise<void> {
    await this.request('release-leds', {});
  }

  async nextButtonPress(seconds: number): Promise<ButtonPress | undefined> {
    return (await this.request('next-button', { seconds })).press ?? undefined;
  }

  /** The service's microphone lent to this connection (calibration): refused (busy) while the service is busy with its owner. */
  async lendMicrophone(): Promise<void> {
    await this.request('lend', {});
  }

  async giveBackMicrophone(): Promise<void> {
    await this.request('give-back', {});
  }

  /** The microphone's next `seconds` (16 kHz mono), while it is lent to this connection. */
  async record(seconds: number): Promise<Int16Array> {
    const pcm = Buffer.from((await this.request('record', { seconds })).pcm, 'base64');
    return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.byteLength & ~1)));
  }

  private request<T extends RequestType>(type: T, data: Requests[T], onEvent?: Pending['onEvent'], keep = false): Promise<Results[T]> {
    if (this.closedWhy) return Promise.reject(new ControlError(this.closedWhy, 'closed'));
    const id = this.nextId++;
    return new Promise<Results[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (d: unknown) => void, reject, keep, ...(onEvent ? { onEvent } : {}) });
      writeMessage(this.socket, { type, id, data });
    });
  }

  private receive(m: Record<string, unknown>): void {
    const p = typeof m.id === 'number' ? this.pending.get(m.id) : undefined;
    if (!p) {
      if (m.type === 'error' && m.id === null) this.failAll(`the service refused a message: ${(m.data as { message?: string })?.message ?? ''}`);
      return;
    }
    if (m.type === 'result') {
      if (!p.keep) this.pending.delete(m.id as number);
      p.resolve(m.data);
    } else if (m.type === 'error') {
      this.pending.delete(m.id as number);
      const d = (m.data ?? {}) as { message?: string; code?: string };
      p.reject(new ControlError(d.message ?? 'the service failed', d.code ?? 'failed'));
    } else {
      p.onEvent?.({ type: String(m.type), data: m.data });
    }
  }

  private failAll(why: string): void {
    this.closedWhy ??= why;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new ControlError(why, 'closed'));
    }
  }
}
