import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { LedName } from '../indicator/led-indicator';
import type { ButtonPress, LevelReading, LevelSummary, ServiceState } from './device-control';

/**
 * The control socket's messages: newline-delimited JSON, one small typed message per line, as in Rhasspy's
 * wyoming protocol: `{"type": ..., "id": N, "data": {...}}`. A client sends requests with its own ids; the
 * service answers each with one `result` or `error` of the same id, and streams `level` (during `levels`) and
 * `state` (after `watch`, until the connection closes) events with the request's id before that.
 */
export interface Requests {
  state: Record<string, never>;
  watch: Record<string, never>;
  mute: { muted: boolean };
  levels: { seconds: number };
  frame: Record<string, never>;
  speak: { text: string };
  leds: Record<string, never>;
  'show-leds': { lit: LedName[] };
  'release-leds': Record<string, never>;
  'next-button': { seconds: number };
  /** The microphone lent to this connection (calibration) until `give-back` or the connection closes. */
  lend: Record<string, never>;
  'give-back': Record<string, never>;
  /** The microphone's next seconds, only while lent to this connection. */
  record: { seconds: number };
}
export type RequestType = keyof Requests;

export interface Results {
  state: ServiceState;
  watch: ServiceState;
  mute: ServiceState;
  levels: LevelSummary;
  /** The JPEG as base64. */
  frame: { jpeg: string; width: number; height: number; fps?: number };
  speak: Record<string, never>;
  leds: { leds: LedName[] };
  'show-leds': Record<string, never>;
  'release-leds': Record<string, never>;
  'next-button': { press: ButtonPress | null };
  lend: Record<string, never>;
  'give-back': Record<string, never>;
  /** 16 kHz mono S16_LE, as base64. */
  record: { pcm: string };
}

export const REQUEST_TYPES: RequestType[] = ['state', 'watch', 'mute', 'levels', 'frame', 'speak', 'leds', 'show-leds', 'release-leds', 'next-button', 'lend', 'give-back', 'record'];

export interface RequestMessage<T extends RequestType = RequestType> {
  type: T;
  id: number;
  data?: Requests[T];
}

export type ServerMessage =
  | { type: 'result'; id: number; data: unknown }
  | { type: 'error'; id: number | null; data: { message: string; code: string } }
  | { type: 'level'; id: number; data: LevelReading }
  | { type: 'state'; id: number; data: ServiceState };

/** The socket's file name, in the service's runtime directory. */
export const SOCKET_NAME = 'control.sock';
/** The installed service's runtime directory (RuntimeDirectory=snapask). */
export const SYSTEM_RUNTIME_DIR = '/run/snapask';

/**
 * Where the service puts its control socket: its runtime directory under systemd ($RUNTIME_DIRECTORY), else
 * the user's ($XDG_RUNTIME_DIR/snapask), else the state directory. All are private to the service's user.
 */
export function controlSocketPath(env: NodeJS.ProcessEnv, stateDir: string): string {
  const runtime = env.RUNTIME_DIRECTORY?.split(':')[0];
  if (runtime) return join(runtime, SOCKET_NAME);
  if (env.XDG_RUNTIME_DIR?.startsWith('/')) return join(env.XDG_RUNTIME_DIR, 'snapask', SOCKET_NAME);
  return join(stateDir, SOCKET_NAME);
}

/** Where a client looks for a running service: the installed one's, then where a service run as this user would put it. */
export function controlSocketCandidates(env: NodeJS.ProcessEnv, stateDir: string): string[] {
  return [...new Set([join(SYSTEM_RUNTIME_DIR, SOCKET_NAME), controlSocketPath(env, stateDir)])];
}

/** Calls `onLine` with each parsed JSON line; a line longer than `maxBytes`, or not a JSON object, is `onBad`. */
export function readMessages(socket: Socket, maxBytes: number, onMessage: (m: Record<string, unknown>) => void, onBad: (why: string) => void): void {
  let pending: Buffer[] = [];
  let size = 0;
  socket.on('data', (data: Buffer) => {
    let from = 0;
    for (let nl = data.indexOf(10, from); nl >= 0; nl = data.indexOf(10, from)) {
      pending.push(data.subarray(from, nl));
      const line = Buffer.concat(pending).toString('utf8');
      pending = [];
      size = 0;
      from = nl + 1;
      if (!line.trim()) continue;
      let m: unknown;
      try {
        m = JSON.parse(line);
      } catch {
        onBad(`not JSON: ${line.slice(0, 60)}`);
        continue;
      }
      if (m === null || typeof m !== 'object' || Array.isArray(m)) onBad('a message must be a JSON object');
      else onMessage(m as Record<string, unknown>);
    }
    const rest = data.subarray(from);
    size += rest.length;
    if (size > maxBytes) {
      onBad(`a message longer than ${maxBytes} bytes`);
      pending = [];
      size = 0;
      socket.destroy();
      return;
    }
    if (rest.length) pending.push(rest);
  });
}

export function writeMessage(socket: Socket, m: ServerMessage | RequestMessage): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(m)}\n`);
}
