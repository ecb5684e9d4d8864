import { existsSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { commandRules, type CommandWordSet } from '../recognition/command-words';
import { createEngine, DEFAULT_VOSK_MODEL_DIR } from '../recognition/create-recogniser';
import { usesDetector, type RecogniserSettings } from '../recognition/recogniser-settings';
import { failed, ok, skipped, type CheckResult } from './check';

/** The service's user, as the installer creates it. */
const SERVICE_USER = 'snapask';

/**
 * Writable by the service's user: as root, the directory must belong to it (root can write anywhere); else by this
 * user, as `probe` finds (why the directory cannot hold the state, or undefined).
 */
export function checkStateDir(stateDir: string, probe: (dir: string) => string | undefined, passwd = '/etc/passwd'): CheckResult {
  const name = 'stateDir';
  const uid = process.getuid?.();
  const serviceUid = uid === 0 ? userId(SERVICE_USER, passwd) : undefined;
  if (serviceUid !== undefined && existsSync(stateDir)) {
    const st = statSync(stateDir);
    if (st.uid !== serviceUid || (st.mode & 0o700) !== 0o700) {
      return failed(name, `${stateDir} does not belong to the service's user ${SERVICE_USER} (owner uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)})`, `sudo chown -R ${SERVICE_USER}: ${stateDir} && sudo chmod 750 ${stateDir}`);
    }
    return ok(name, `${stateDir} belongs to ${SERVICE_USER} and is writable`);
  }
  const problem = probe(stateDir);
  return problem ? failed(name, problem.split(': run as')[0]!, `run as the service's user, or set stateDir (or SNAPASK_STATE_DIR) to a directory this user owns`) : ok(name, `${stateDir} is writable`);
}

function userId(user: string, passwd: string): number | undefined {
  try {
    const line = readFileSync(passwd, 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
    return line ? Number(line.split(':')[2]) : undefined;
  } catch {
    return undefined;
  }
}

/** Under 200 MB free the spool, the journal and an update start to fail. */
const LOW_DISK_BYTES = 200 * 1024 * 1024;

export function checkDisk(stateDir: string): CheckResult {
  let dir = stateDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  const text = `${(free / 1024 ** 3).toFixed(1)} GB free where the state is (${dir})`;
  if (free < LOW_DISK_BYTES) return failed('disk', text, 'free some space: sudo journalctl --vacuum-size=50M, sudo apt-get clean, remove old files');
  return ok('disk', text);
}

/** The recogniser's model loads and every command word is in its vocabulary (the learned engine: a trained head for each). */
export function checkRecogniser(c: RecogniserSettings, commands: CommandWordSet): CheckResult {
  const words = Object.values(commands).filter((w): w is string => typeof w === 'string');
  try {
    const engine = createEngine(c, commandRules(commands, c), { transcribe: false });
    engine.close();
  } catch (e) {
    // The recogniser's own messages may carry their fix after a ';' (what happened; what to do).
    const [what, ...own] = (e as Error).message.split('; ');
    const word = /vocabulary|dictionary/.test(what!);
    const fix = own.length
      ? own.join('; ')
      : word
        ? `choose commands.* words in its ${c.engine === 'vosk' ? 'vocabulary' : 'dictionary'}`
        : c.engine === 'vosk'
          ? 'install the model again (sudo ./deploy/install.sh), set recogniser.modelDir, or set recogniser.engine to "pocketsphinx"'
          : usesDetector(c.engine)
            ? 'train the missing words (make train-keywords), or set recogniser.engine to "pocketsphinx"'
            : 'sudo apt-get install pocketsphinx-en-us, or set recogniser.modelDir';
    return failed('recogniser', what!, fix);
  }
  const model = c.engine === 'vosk' ? ` model ${c.modelDir ?? DEFAULT_VOSK_MODEL_DIR}` : c.engine === 'learned' ? ' (a trained head for each word)' : c.engine === 'combined' ? ' (a trained head for each word, and PocketSphinx en-us)' : ` model ${c.modelDir ?? 'en-us'}`;
  return ok('recogniser', `${c.engine}${model} loads; ${words.join(', ')} in its vocabulary`);
}

/** A clock this far from the server's makes TLS fail (certificates look not yet valid, or expired). */
const CLOCK_SKEW_SECONDS = 300;
/** TLS errors that mean the clock is wrong far more often than the certificate is. */
const DATE_ERRORS = new Set(['CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID_DATE']);

export interface ApiChecks {
  network: CheckResult;
  clock: CheckResult;
  key: CheckResult;
  model: CheckResult;
}

/**
 * One cheap authenticated request (GET /models/{model}) tells the network and the clock (the server's Date
 * against ours; a TLS failure on a wrong date), whether the key is accepted, and whether the model is there.
 */
export async function checkApi(
  api: { baseURL: string; model: string },
  /** The key the service would send (none: not set). */
  key: string | undefined,
  secretsFile: string,
  timeoutMs = 10_000,
  now = () => Date.now(),
): Promise<ApiChecks> {
  const base = api.baseURL.replace(/\/+$/, '');
  const host = new URL(base).host;
  const model = api.model;
  const fixKey = `put OPENAI_API_KEY=sk-... in ${secretsFile} (sudo nano ${secretsFile}); the service uses it at once`;
  const started = now();
  let res: Response;
  try {
    res = await fetch(`${base}/models/${encodeURIComponent(model)}`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
  } catch (e) {
    const cause = ((e as { cause?: NodeJS.ErrnoException }).cause ?? e) as NodeJS.ErrnoException;
    const code = cause.code ?? (e as Error).name;
    const notChecked = skipped('api key', `${host} not reached`);
    const modelNotChecked = skipped('model', `${host} not reached`);
    if (DATE_ERRORS.has(code)) {
      return {
        network: ok('network', `${host} reached (TLS refused: ${code})`),
        clock: failed('clock', `TLS failed with ${code}: this machine's clock says ${new Date(now()).toISOString()}, and certificates look ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not yet valid'} at a wrong date`, 'set the time: sudo timedatectl set-ntp true (needs the network), or sudo date -s "YYYY-MM-DD HH:MM"'),
        key: notChecked,
        model: modelNotChecked,
      };
    }
    const why = code === 'TimeoutError' || code === 'AbortError' ? `no answer in ${timeoutMs / 1000} s` : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `cannot resolve ${new URL(base).hostname} (${code})` : `${code}${cause.message && cause.message !== code ? `: ${cause.message}` : ''}`;
    return {
      network: failed('network', `cannot reach ${base}: ${why}`, 'check the network (ip addr; ping 1.1.1.1; Wi-Fi in sudo raspi-config), and openai.baseURL'),
      clock: skipped('clock', 'no network'),
      key: notChecked,
      model: modelNotChecked,
    };
  }
  const ms = now() - started;
  const network = ok('network', `${host} reached in ${ms} ms`);
  const date = Date.parse(res.headers.get('date') ?? '');
  let clock: CheckResult;
  if (Number.isNaN(date)) clock = skipped('clock', `${host} sent no Date to compare with`);
  else {
    const skew = Math.round((now() - ms / 2 - date) / 1000);
    clock =
      Math.abs(skew) > CLOCK_SKEW_SECONDS
        ? failed('clock', `this machine's clock is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} ${host}'s (TLS fails on a wrong date)`, 'sudo timedatectl set-ntp true')
        : ok('clock', `within ${Math.max(1, Math.abs(skew))} s of ${host}'s`);
  }
  if (!key) return { network, clock, key: failed('api key', 'no OpenAI API key is set', fixKey), model: skipped('model', 'no key to ask with') };
  if (res.status === 401 || res.status === 403) {
    return { network, clock, key: failed('api key', `refused by ${host} (${res.status})`, `${fixKey}; make a new key at https://platform.openai.com/api-keys`), model: skipped('model', 'the key was refused') };
  }
  const keyOk = ok('api key', `accepted by ${host}`);
  if (res.status === 404) return { network, clock, key: keyOk, model: failed('model', `${model} is not available to this key (404)`, 'set openai.model in the config to a model the key may use (e.g. gpt-4.1-mini)') };
  if (!res.ok) return { network, clock, key: skipped('api key', `${host} answered ${res.status}`), model: failed('model', `${host} answered ${res.status} for ${model}`, 'try again later; https://status.openai.com') };
  return { network, clock, key: keyOk, model: ok('model', `${model} available`) };
}
