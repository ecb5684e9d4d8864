import { createHash, randomBytes, randomInt, scryptSync, timingSafeEqual } from 'node:crypto';
import { chownSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writePrivate } from '../spool/atomic-file';

/** The console's own files under stateDir: only the service's user (and root) can enter. */
export function consoleDir(stateDir: string): string {
  return join(stateDir, 'console');
}

const CODE_FILE = 'pairing-code';
const SESSIONS_FILE = 'sessions.json';
const PASSWORD_FILE = 'password.json';

export interface Session {
  /** sha256 of the cookie's token: the file never holds a token that works. */
  id: string;
  csrf: string;
  expires: number;
}


function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function newPairingCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** `snapask console code`: the code the pairing page asks for; one is made if there is none. */
export function readPairingCode(dir: string): string {
  const code = readText(join(dir, CODE_FILE))?.trim();
  if (code && /^\d{6}$/.test(code)) return code;
  const fresh = newPairingCode();
  writePrivate(dir, CODE_FILE, `${fresh}\n`);
  return fresh;
}

/** `snapask console reset`: every session ends, and the pairing code changes. */
export function revokeAllSessions(dir: string): void {
  writePrivate(dir, SESSIONS_FILE, '[]\n');
  writePrivate(dir, CODE_FILE, `${newPairingCode()}\n`);
}

/** `snapask console password`: a password the pairing page takes instead of the spoken code; empty removes it. */
export function setPassword(dir: string, password: string): void {
  if (!password) {
    writePrivate(dir, PASSWORD_FILE, '{}\n');
    return;
  }
  const salt = randomBytes(16);
  writePrivate(dir, PASSWORD_FILE, `${JSON.stringify({ salt: salt.toString('hex'), hash: scryptSync(password, salt, 32).toString('hex') })}\n`);
}

export interface ConsoleAuthOptions {
  dir: string;
  /** How long a paired browser stays paired. */
  sessionMs?: number;
  /** Wrong codes allowed in a row before each further try must wait (doubling from 2 s, up to `maxLockMs`). */
  freeFailures?: number;
  maxLockMs?: number;
  now?: () => number;
}

export type PairResult = { ok: true; token: string; session: Session } | { ok: false; retryAfterMs: number; throttled: boolean };

/**
 * Who may use the console: a pairing code (said aloud by the device, printed by `snapask console code`) or a
 * password, then a session whose token lives only in the browser's cookie. The sessions file is re-read when
 * it changes, so `snapask console reset` ends every session of the running service.
 */
export class ConsoleAuth {
  private sessions = new Map<string, Session>();
  private stamp = '';
  private failures = 0;
  private lockedUntil = 0;
  private lastFailure = 0;
  private readonly now: () => number;

  constructor(private readonly o: ConsoleAuthOptions) {
    this.now = o.now ?? Date.now;
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    readPairingCode(o.dir);
    this.reload();
  }

  get usesPassword(): boolean {
    return this.passwordHash() !== undefined;
  }

  /** The code to say aloud (never logged, never in a page). */
  code(): string {
    return readPairingCode(this.o.dir);
  }

  /** A wrong code or password counts towards the throttle; the right one opens a session and the code changes. */
  pair(given: string): PairResult {
    const now = this.now();
    if (now < this.lockedUntil) return { ok: false, retryAfterMs: this.lockedUntil - now, throttled: true };
    if (!this.matches(given)) {
      // Wrong codes in a row: a slip a quarter of an hour ago is forgotten.
      if (now - this.lastFailure > 900_000) this.failures = 0;
      this.lastFailure = now;
      this.failures++;
      const over = this.failures - (this.o.freeFailures ?? 3);
      if (over > 0) this.lockedUntil = now + Math.min(2000 * 2 ** (over - 1), this.o.maxLockMs ?? 300_000);
      return { ok: false, retryAfterMs: Math.max(0, this.lockedUntil - now), throttled: over > 0 };
    }
    this.failures = 0;
    this.lockedUntil = 0;
    // One use: someone who overheard it later cannot pair with it.
    writePrivate(this.o.dir, CODE_FILE, `${newPairingCode()}\n`);
    const token = randomBytes(32).toString('base64url');
    const session: Session = { id: hashToken(token), csrf: randomBytes(24).toString('base64url'), expires: now + (this.o.sessionMs ?? 7 * 86_400_000) };
    this.reload();
    this.sessions.set(session.id, session);
    this.save();
    return { ok: true, token, session };
  }

  /** The session a cookie's token belongs to, if it is still valid. */
  session(token: string | undefined): Session | undefined {
    if (!token || token.length > 100) return undefined;
    this.reloadIfChanged();
    const s = this.sessions.get(hashToken(token));
    if (!s) return undefined;
    if (s.expires <= this.now()) {
      this.sessions.delete(s.id);
      this.save();
      return undefined;
    }
    return s;
  }

  end(session: Session): void {
    this.sessions.delete(session.id);
    this.save();
  }

  private matches(given: string): boolean {
    const pw = this.passwordHash();
    if (pw) {
      const got = scryptSync(given, Buffer.from(pw.salt, 'hex'), 32);
      return timingSafeEqual(got, Buffer.from(pw.hash, 'hex'));
    }
    const a = createHash('sha256').update(given.trim()).digest();
    const b = createHash('sha256').update(this.code()).digest();
    return timingSafeEqual(a, b);
  }

  private passwordHash(): { salt: string; hash: string } | undefined {
    const text = readText(join(this.o.dir, PASSWORD_FILE));
    if (!text) return undefined;
    try {
      const p = JSON.parse(text) as { salt?: string; hash?: string };
      return p.salt && p.hash ? { salt: p.salt, hash: p.hash } : undefined;
    } catch {
      return undefined;
    }
  }

  private statStamp(): string {
    try {
      const s = statSync(join(this.o.dir, SESSIONS_FILE));
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return 'none';
    }
  }

  private reloadIfChanged(): void {
    if (this.statStamp() !== this.stamp) this.reload();
  }

  private reload(): void {
    this.stamp = this.statStamp();
    let list: Session[] = [];
    try {
      const parsed = JSON.parse(readText(join(this.o.dir, SESSIONS_FILE)) ?? '[]') as unknown;
      if (Array.isArray(parsed)) list = parsed.filter((s): s is Session => typeof s?.id === 'string' && typeof s?.csrf === 'string' && typeof s?.expires === 'number');
    } catch {
      list = [];
    }
    this.sessions = new Map(list.map((s) => [s.id, s]));
  }

  private save(): void {
    writePrivate(this.o.dir, SESSIONS_FILE, `${JSON.stringify([...this.sessions.values()])}\n`);
    this.stamp = this.statStamp();
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of two tokens of any length. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
