import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, statSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { secretValues } from '../log';
import type { Secrets } from './config';

/** Where the service keeps its secrets: a directory only its user (and root) can enter, under its state directory. */
export function secretsPath(stateDir: string): string {
  return join(stateDir, 'secrets', 'secrets.env');
}

/** The variables a secrets file (or the environment) may set, and what each becomes. */
export const SECRET_VARIABLES = ['OPENAI_API_KEY', 'ZAPIER_HOOK_URL', 'ZAPIER_MCP_TOKEN'] as const;

/** The secrets from variables (the environment, or a secrets file): empty values are no value. */
export function secretsFromVars(vars: Record<string, string | undefined>): Secrets {
  const token = vars.ZAPIER_MCP_TOKEN || undefined;
  return {
    ...(vars.OPENAI_API_KEY ? { openaiApiKey: vars.OPENAI_API_KEY } : {}),
    ...(vars.ZAPIER_HOOK_URL ? { zapierHookUrl: vars.ZAPIER_HOOK_URL } : {}),
    ...(token ? { zapierMcpAuthorization: /^\S+\s/.test(token) ? token : `Bearer ${token}` } : {}),
  };
}

/**
 * KEY=value lines as systemd's EnvironmentFile reads them, as far as a secrets file needs: blank lines and
 * # comments are skipped, `export ` is allowed, a value may be quoted ("..." or '...').
 */
export function parseSecretsText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const quoted = /^(["'])(.*)\1$/.exec(value);
    value = quoted ? quoted[2]! : value.replace(/\s+#.*$/, '').trim();
    out[m[1]!] = value;
  }
  return out;
}

/** The secrets as they are now, and a word when they change. */
export interface SecretsSource {
  current(): Secrets;
  /** Called after each change of the effective secrets; returns a function that stops it. */
  onChange(listener: (secrets: Secrets) => void): () => void;
}

/** Secrets that never change (a replay, tests): the environment's. */
export function fixedSecrets(secrets: Secrets): SecretsSource {
  return { current: () => secrets, onChange: () => () => undefined };
}

export function asSecretsSource(s: Secrets | SecretsSource): SecretsSource {
  return typeof (s as SecretsSource).current === 'function' ? (s as SecretsSource) : fixedSecrets(s as Secrets);
}

const TEMPLATE = `# snapask secrets: read by the service itself, and used as soon as this file is saved (no restart).
# Only the service's user may read it (mode 600); a file others can read is ignored.
# Environment variables of the same name win over this file.
# The OpenAI API key.
OPENAI_API_KEY=
# The Zapier catch hook the assistant's one function tool posts to (optional).
ZAPIER_HOOK_URL=
# With zapier.transport = "mcp": the token for Zapier's MCP server.
ZAPIER_MCP_TOKEN=
`;

export interface SecretsFileOptions {
  path: string;
  /** Wins over the file, variable by variable (an empty variable does not). */
  env?: NodeJS.ProcessEnv;
  /** The cheap fallback to the directory watch: the file's stat is compared this often. */
  pollMs?: number;
}

/**
 * The service's own secrets file (`<stateDir>/secrets/secrets.env`, mode 600 in a mode 700 directory),
 * watched: a change is applied at once. A file group or others may read is refused, with one log line
 * saying how to fix it. Values are never logged.
 */
export class SecretsFile implements SecretsSource {
  readonly path: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly pollMs: number;
  private fileVars: Record<string, string> = {};
  private effective: Secrets;
  private readonly listeners = new Set<(s: Secrets) => void>();
  /** Every secret value seen since start (an old key may still show up in a late error): for the logger. */
  private readonly seen = new Set<string>();
  private redaction: string[];
  private problem?: string;
  private stamp = '';
  private watcher?: FSWatcher;
  private poller?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private log?: Logger;

  constructor(o: SecretsFileOptions) {
    this.path = o.path;
    this.env = o.env ?? process.env;
    this.pollMs = o.pollMs ?? 2000;
    this.effective = this.merge();
    this.redaction = this.noteValues();
  }

  current(): Secrets {
    return this.effective;
  }

  onChange(listener: (s: Secrets) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The values the logger removes from every line: the environment's secrets and everything the file ever held. */
  redactionValues(): string[] {
    return this.redaction;
  }

  /** Which variables are set, and where from (names only). */
  describe(): { file: string[]; env: string[] } {
    return {
      file: Object.keys(this.fileVars).filter((k) => this.fileVars[k]),
      env: SECRET_VARIABLES.filter((k) => this.env[k]),
    };
  }

  /** Makes the directory (mode 700) and an empty file (mode 600) if there are none, reads the file, and starts watching it. */
  start(log: Logger): void {
    this.log = log;
    this.prepare();
    this.reload();
    // Names only, never values: where each secret comes from.
    const from = this.describe();
    log.info({ secrets: from }, `secrets from ${this.path}${from.env.length ? ` and the environment (${from.env.join(', ')}: the environment wins)` : ''}`);
    try {
      // The directory, not the file: an editor saves by replacing it, and the file may not exist yet.
      this.watcher = watch(dirname(this.path), { persistent: false }, () => this.soon());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (e) {
      log.warn({ err: (e as NodeJS.ErrnoException).code ?? (e as Error).message }, `cannot watch ${dirname(this.path)}: the secrets file is checked every ${this.pollMs / 1000} s`);
    }
    this.poller = setInterval(() => {
      if (this.statStamp() !== this.stamp) this.reload();
    }, this.pollMs);
    this.poller.unref();
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.poller);
    clearTimeout(this.debounce);
  }

  private prepare(): void {
    const dir = dirname(this.path);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      this.log?.warn({ err: (e as NodeJS.ErrnoException).code ?? (e as Error).message }, `cannot make ${dir} for the secrets file`);
      return;
    }
    try {
      // Never over an existing file ("wx"): a template to fill in, owned by the service's user, mode 600.
      writeFileSync(this.path, TEMPLATE, { flag: 'wx', mode: 0o600 });
      this.log?.info(`wrote an empty secrets file: ${this.path}`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') this.log?.warn({ err: code ?? (e as Error).message }, `cannot write ${this.path}`);
    }
  }

  /** Editors write in several steps: one read after the burst. */
  private soon(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.reload(), 50);
    this.debounce.unref();
  }

  private statStamp(): string {
    try {
      const s = statSync(this.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}:${s.mode}:${s.uid}`;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? 'error';
    }
  }

  private reload(): void {
    this.stamp = this.statStamp();
    const { vars, problem } = this.read();
    if (problem !== this.problem) {
      this.problem = problem;
      if (problem) this.log?.error(problem);
    }
    this.fileVars = vars;
    const next = this.merge();
    this.redaction = this.noteValues();
    if (sameSecrets(next, this.effective)) return;
    this.effective = next;
    this.log?.info({ secrets: this.describe() }, `secrets changed (${this.path}): applied`);
    for (const l of this.listeners) l(next);
  }

  /** The file's variables, or none and the reason (one line, with its fix). */
  private read(): { vars: Record<string, string>; problem?: string } {
    let fd: number;
    try {
      fd = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { vars: {} };
      if (code === 'EACCES') return { vars: {}, problem: `cannot read the secrets file ${this.path} (permission denied): give it to the service's user: sudo chown ${userName()} ${this.path} && sudo chmod 600 ${this.path}` };
      if (code === 'ELOOP') return { vars: {}, problem: `the secrets file ${this.path} is a symbolic link: ignored; put the file itself there (mode 600)` };
      return { vars: {}, problem: `cannot read the secrets file ${this.path}: ${code ?? (e as Error).message}` };
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return { vars: {}, problem: `the secrets file ${this.path} is not a file: ignored` };
      if (st.mode & 0o077) {
        const mode = (st.mode & 0o777).toString(8);
        return { vars: {}, problem: `the secrets file ${this.path} can be read by others (mode ${mode}): ignored; fix: sudo chmod 600 ${this.path}` };
      }
      return { vars: parseSecretsText(readFileSync(fd, 'utf8')) };
    } finally {
      closeSync(fd);
    }
  }

  private merge(): Secrets {
    const vars: Record<string, string | undefined> = {};
    for (const k of SECRET_VARIABLES) vars[k] = this.env[k] || this.fileVars[k] || undefined;
    return secretsFromVars(vars);
  }

  private noteValues(): string[] {
    const before = this.seen.size;
    for (const v of secretValues(this.env)) this.seen.add(v);
    // Everything in the secrets file is a secret, whatever its name.
    for (const v of Object.values(this.fileVars)) if (v.length >= 8) this.seen.add(v);
    if (before === this.seen.size && this.redaction) return this.redaction;
    return [...this.seen].sort((a, b) => b.length - a.length);
  }
}

function sameSecrets(a: Secrets, b: Secrets): boolean {
  return a.openaiApiKey === b.openaiApiKey && a.zapierHookUrl === b.zapierHookUrl && a.zapierMcpAuthorization === b.zapierMcpAuthorization;
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'snapask';
  }
}
