import type { ServerResponse } from 'node:http';
import type { ConsoleDevices } from './console-devices';

/**
 * The live view's server-sent events, one timer for every viewer: the microphone's level a few times a second,
 * the newest camera frame's number at the preview rate (the browser then fetches that picture), the device's
 * activity and new answers as they happen. Nothing runs while nobody watches.
 */
export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  /** Whether each viewer's session still holds (`snapask console reset`, signing out, expiry end its stream). */
  private readonly valid = new Map<ServerResponse, () => boolean>();
  private timers: NodeJS.Timeout[] = [];
  private lastLevel = '';
  private lastFrame = -1;

  constructor(
    private readonly devices: ConsoleDevices,
    private readonly o: { previewFps: number; levelHz?: number; redact: (s: string) => string },
  ) {}

  get viewers(): number {
    return this.clients.size;
  }

  add(res: ServerResponse, stillValid: () => boolean): void {
    this.clients.add(res);
    this.valid.set(res, stillValid);
    res.on('close', () => {
      this.clients.delete(res);
      this.valid.delete(res);
      if (!this.clients.size) this.stopTimers();
    });
    // What a new viewer needs at once; the rest follows as it changes.
    res.write(this.format('activity', JSON.stringify(this.devices.activity())));
    res.write(this.format('level', this.levelData()));
    const frame = this.devices.latestFrame();
    res.write(this.format('frame', frame ? String(frame.index) : 'none'));
    if (this.clients.size === 1) this.startTimers();
  }

  /** An event to every viewer (its data one line of JSON or text, secrets removed). */
  send(event: string, data: string): void {
    if (!this.clients.size) return;
    const text = this.format(event, data);
    for (const c of this.clients) c.write(text);
  }

  close(): void {
    this.stopTimers();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private format(event: string, data: string): string {
    return `event: ${event}\ndata: ${this.o.redact(data).replace(/\n/g, ' ')}\n\n`;
  }

  private levelData(): string {
    const l = this.devices.micLevel();
    return JSON.stringify({ rms: Math.round(l.rmsDb), peak: Math.round(l.peakDb), floor: Math.round(l.floorDb), clipped: l.clipped });
  }

  private startTimers(): void {
    this.timers.push(
      setInterval(() => {
        const level = this.levelData();
        if (level === this.lastLevel) return;
        this.lastLevel = level;
        this.send('level', level);
      }, 1000 / (this.o.levelHz ?? 5)),
      setInterval(() => {
        const f = this.devices.latestFrame();
        const index = f ? f.index : -1;
        if (index === this.lastFrame) return;
        this.lastFrame = index;
        this.send('frame', f ? String(f.index) : 'none');
      }, 1000 / this.o.previewFps),
      // Every few seconds: a stream whose session has ended is closed; a comment keeps proxies and phones from
      // closing a quiet one.
      setInterval(() => {
        for (const c of this.clients) {
          if (this.valid.get(c)?.() === false) c.end();
          else c.write(': keep-alive\n\n');
        }
      }, 5_000),
    );
  }

  private stopTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.lastLevel = '';
    this.lastFrame = -1;
  }
}
