#!/usr/bin/env node
import { accessSync, constants, existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config/config';
import { configTable } from '../config/config-table';
import { SecretsFile, secretsPath } from '../config/secrets-file';
import { stateDirProblem } from '../config/state-dir';
import { apiKeyFor } from '../app/thread-manager-factory';
import { createLogger } from '../log';
import type { TurnEvent } from '../turn/turn-events';
import { effectiveConfigLines } from './config-command';
import { CONSOLE_ACTIONS, consoleCommand, DEVICE_CONFIG, type ConsoleAction } from '../console/console-cli';
import { controlSocketCandidates } from '../control/protocol';
import { runDoctor } from './doctor';
import { LocalCalibrationDevices } from '../recognition/calibration/calibration-devices';
import { EspeakSynth } from '../speech/espeak-synth';
import { calibrateCommand, calibrationDevices } from './calibrate';
import { followLogs } from './logs';
import { replay } from './replay';
import { runService } from './run';

interface OptionSpec {
  type: 'string' | 'boolean';
  /** What the value looks like in the usage (FILE, URL, N). */
  arg?: string;
  help: string;
}

interface CommandSpec {
  synopsis: string;
  summary: string;
  options: Record<string, OptionSpec>;
}

const configOption: OptionSpec = { type: 'string', arg: 'FILE', help: 'config file (JSON); default $SNAPASK_CONFIG, else the built-in defaults' };
const debugOption: OptionSpec = { type: 'boolean', help: 'debug logs and stack traces on stderr' };
const help: OptionSpec = { type: 'boolean', help: 'this help' };

const COMMANDS: Record<'run' | 'replay' | 'logs' | 'config' | 'console' | 'doctor' | 'calibrate', CommandSpec> = {
  run: {
    synopsis: 'snapask run [--config FILE] [--debug]',
    summary: 'The service: listens on the microphone, takes pictures, speaks the answers (systemd runs this).',
    options: { config: configOption, debug: debugOption, help },
  },
  replay: {
    synopsis: 'snapask replay --audio Q.wav [--camera C.mjpeg|still.jpg] [options]',
    summary: 'The whole appliance on files: a WAV is the microphone, an MJPEG or one JPEG the camera; prints one event per line.',
    options: {
      audio: { type: 'string', arg: 'FILE.wav', help: 'the microphone: a WAV recording of the question (required)' },
      camera: { type: 'string', arg: 'FILE', help: 'the camera: an MJPEG file (frame i at i/fps s) or one still JPEG; none: no pictures' },
      fps: { type: 'string', arg: 'N', help: 'frame rate of the MJPEG file (default 15)' },
      'api-base': { type: 'string', arg: 'URL', help: "the OpenAI API's address, e.g. http://127.0.0.1:8787/v1 for make fake-openai" },
      api: { type: 'string', arg: 'responses|assistants', help: 'the API dialect (default: the config\'s, responses)' },
      engine: { type: 'string', arg: 'pocketsphinx|learned|combined|vosk', help: 'the recogniser (default pocketsphinx)' },
      model: { type: 'string', arg: 'DIR', help: "the recogniser's model directory (vosk needs one)" },
      out: { type: 'string', arg: 'DIR', help: 'where the spoken answers go as WAV files (default: a new temporary directory)' },
      state: { type: 'string', arg: 'DIR', help: 'conversation and spool, kept between replays (default: a fresh temporary one)' },
      config: { ...configOption, help: 'config file (JSON) to replay with; its stateDir is never used, only --state' },
      json: { type: 'boolean', help: 'events as JSON lines (an error too: {"event":"error",...})' },
      debug: debugOption,
      help,
    },
  },
  doctor: {
    synopsis: 'snapask doctor [--config FILE] [--no-wait] [--out DIR]',
    summary: 'Checks the device, one line per check (✓, or ✗ and the fix): config, microphone, camera, speaker, key, network, LEDs...',
    options: {
      config: { ...configOption, help: 'config file (JSON); default $SNAPASK_CONFIG, else /etc/snapask/config.json where installed, else the built-in defaults' },
      'no-wait': { type: 'boolean', help: 'do not wait 10 s for a button press (reported as skipped)' },
      out: { type: 'string', arg: 'DIR', help: 'where the camera\'s test frame is saved (default: the temporary directory)' },
      help,
    },
  },
  calibrate: {
    synopsis: 'snapask calibrate [--keep-samples] [--check] [--config FILE]',
    summary: "Fits the learned keyword detector to your voice and room: asks for each command word aloud, saves the fit in stateDir.",
    options: {
      'keep-samples': { type: 'boolean', help: 'keep your recordings in stateDir (for --check after an update); otherwise none are kept' },
      check: { type: 'boolean', help: 'replay the kept recordings against this version and show what it hears (exit 1 if worse than when calibrated)' },
      config: configOption,
      debug: debugOption,
      help,
    },
  },
  logs: {
    synopsis: 'snapask logs [--since TIME] [--lines N] [--no-follow]',
    summary: "The service's log from the systemd journal, one readable line per entry; follows it until Ctrl-C.",
    options: {
      since: { type: 'string', arg: 'TIME', help: 'from this time on, as journalctl takes it: "10 min ago", today, "2025-03-01 14:00"' },
      lines: { type: 'string', arg: 'N', help: 'start with the last N lines (journalctl -n; default 10 when following)' },
      'no-follow': { type: 'boolean', help: 'print what is there and stop' },
      help,
    },
  },
  config: {
    synopsis: 'snapask config [show] [--config FILE] [--table]',
    summary: 'The configuration in effect, each value with where it came from (default, file, overlay, env); no secrets.',
    options: { config: configOption, table: { type: 'boolean', help: 'print the configuration table of docs/configuration.md, generated from the schema (make config-table writes it there)' }, help },
  },
  console: {
    synopsis: 'snapask console code|reset|password [--config FILE]',
    summary: "The web console (as root or the service's user): print the pairing code, end every session, or set a password (one line on stdin; empty removes it).",
    options: { config: { ...configOption, help: `config file (JSON); default $SNAPASK_CONFIG, else ${DEVICE_CONFIG} where it exists` }, help },
  },
};
type Command = keyof typeof COMMANDS;
const COMMAND_NAMES = Object.keys(COMMANDS).join(', ');

const USAGE = `usage: snapask <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  .join('\n')}
  help     This help; snapask <command> --help lists a command's options.`;

function commandUsage(name: Command): string {
  const c = COMMANDS[name];
  const flags = Object.entries(c.options).map(([n, o]) => [`--${n}${o.arg ? ` ${o.arg}` : ''}${n === 'help' ? ', -h' : ''}`, o.help] as const);
  const width = Math.max(...flags.map(([f]) => f.length));
  return `usage: ${c.synopsis}\n\n${c.summary}\n\noptions:\n${flags.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`).join('\n')}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('no command given', USAGE);
  if (command === '--help' || command === '-h' || command === 'help') return printHelp(rest[0]);
  if (!isCommand(command)) throw new UsageError(`unknown command "${command}" (commands: ${COMMAND_NAMES})`, USAGE);
  // `snapask config show` is `snapask config`; `snapask console code`: the action is the one word an option parser would not take.
  const action = command === 'console' && rest[0] && !rest[0].startsWith('-') ? rest.shift() : undefined;
  const values = parseOptions(command, command === 'config' && rest[0] === 'show' ? rest.slice(1) : rest);
  debug = values.debug === true;
  json = values.json === true;
  if (values.help) {
    process.stdout.write(`${commandUsage(command)}\n`);
    return 0;
  }
  if (command === 'logs') {
    const lines = stringValue(values.lines);
    if (lines !== undefined && !/^\d+$/.test(lines)) throw new UsageError(`--lines: "${lines}" is not a number of lines (give e.g. 50)`);
    return followLogs({ since: stringValue(values.since), lines, follow: values['no-follow'] !== true }, (s) => process.stdout.write(s));
  }
  if (command === 'config' && values.table) {
    process.stdout.write(`${configTable()}\n`);
    return 0;
  }
  if (command === 'console') {
    if (!CONSOLE_ACTIONS.includes(action as ConsoleAction)) throw new UsageError(`console: give one of ${CONSOLE_ACTIONS.join(', ')}`, commandUsage('console'));
    const path = configFile(values) ?? (existsSync(DEVICE_CONFIG) ? DEVICE_CONFIG : undefined);
    const { config } = loadConfig(path);
    return consoleCommand(action as ConsoleAction, config.stateDir, { out: (s) => process.stdout.write(s), readLine: readStdinLine });
  }
  if (command === 'doctor') {
    const option = stringValue(values.config);
    if (option !== undefined) assertReadableFile('--config', option);
    return runDoctor({
      configPath: option ?? (process.env.SNAPASK_CONFIG || installedConfig()),
      noWait: values['no-wait'] === true,
      outDir: stringValue(values.out) ?? tmpdir(),
      // The installed service's state (and secrets) are in its StateDirectory, which a shell's environment does not name.
      env: process.env.STATE_DIRECTORY || !existsSync(INSTALLED_STATE_DIR) ? process.env : { ...process.env, STATE_DIRECTORY: INSTALLED_STATE_DIR },
      write: (s) => process.stdout.write(s),
      tty: process.stdout.isTTY === true,
    });
  }
  // On the device, calibrate fits the installed service's engine and saves in its state directory.
  const configPath = configFile(values) ?? (command === 'calibrate' ? installedConfig() : undefined);
  serviceStarting = command === 'run' || command === 'config';
  // The settings overlay in the state directory: the service's own; a replay is self-contained.
  const { config, secrets, sources, warnings } = loadConfig(configPath, process.env, { overlay: command !== 'replay' });
  if (command === 'config') {
    for (const w of warnings) process.stderr.write(`snapask: ${w}\n`);
    process.stdout.write(`${effectiveConfigLines({ config, sources }).join('\n')}\n`);
    return 0;
  }
  if (command === 'calibrate') {
    return calibrateCommand(config, {
      keepSamples: values['keep-samples'] === true,
      check: values.check === true,
      devices: () =>
        calibrationDevices(
          controlSocketCandidates(process.env, config.stateDir),
          () => new LocalCalibrationDevices({ microphone: config.audio.device, speaker: config.speaker.device, synth: new EspeakSynth({ voice: config.speaker.voice, rate: config.speaker.rate }) }),
          (line) => process.stdout.write(`${line}\n`),
        ),
      print: (line) => process.stdout.write(`${line}\n`),
    });
  }
  if (command === 'run') {
    // Checked before anything listens: a stateDir the user cannot write would otherwise fail at the first "reply".
    const problem = stateDirProblem(config.stateDir);
    if (problem) throw new ConfigError(problem);
    // The environment's secrets over the service's own file; both kept out of the log, the file's as they change.
    const file = new SecretsFile({ path: secretsPath(config.stateDir), env: process.env });
    const log = createLogger({ level: debug ? 'debug' : 'info', secrets: () => file.redactionValues() });
    for (const w of warnings) log.warn(w);
    return runService(config, file, log, sources);
  }
  const audio = stringValue(values.audio);
  if (!audio) throw new UsageError('replay needs --audio FILE.wav (the recording to use as the microphone)', commandUsage('replay'));
  assertReadableFile('--audio', audio);
  const camera = stringValue(values.camera);
  if (camera !== undefined) assertReadableFile('--camera', camera);
  const fps = Number(values.fps ?? '15');
  if (!(fps > 0)) throw new UsageError(`--fps: "${String(values.fps)}" is not a positive number (give e.g. 15)`);
  applyReplayOverrides(config, values);
  if (!apiKeyFor(config.openai.baseURL, secrets)) {
    throw new Error(`OPENAI_API_KEY is not set (needed for ${config.openai.baseURL}): export OPENAI_API_KEY=sk-..., or give --api-base http://127.0.0.1:8787/v1 (make fake-openai)`);
  }
  // stdout carries the events; logs go to stderr, quiet unless debugging.
  const log = createLogger({ level: debug ? 'debug' : 'warn', destination: 2 });
  const errors = await replay({ audio, camera, fps, outDir: stringValue(values.out) }, config, secrets, log, printEvent);
  return errors ? 1 : 0;
}

/** `snapask --help`, `snapask help` and `snapask help replay`. */
function printHelp(topic: string | undefined): number {
  if (topic !== undefined && !isCommand(topic)) throw new UsageError(`unknown command "${topic}" (commands: ${COMMAND_NAMES})`, USAGE);
  process.stdout.write(`${topic ? commandUsage(topic) : USAGE}\n`);
  return 0;
}

function isCommand(name: string): name is Command {
  return Object.hasOwn(COMMANDS, name);
}

type Values = Record<string, string | boolean | undefined>;

/** The command's options; anything it does not take is named, with its usage (parseArgs' own messages name no command). */
function parseOptions(command: Command, args: string[]): Values {
  const specs = COMMANDS[command].options;
  const options = Object.fromEntries(Object.entries(specs).map(([n, o]) => [n, n === 'help' ? { type: o.type, short: 'h' } : { type: o.type }]));
  const { tokens } = parseArgs({ args, options, strict: false, tokens: true });
  const usage = commandUsage(command);
  // --help wins over any other mistake on the line: the user is asking how to write it.
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };
  const values: Values = {};
  for (const t of tokens) {
    if (t.kind === 'positional') throw new UsageError(`${command}: unexpected argument "${t.value}"`, usage);
    if (t.kind !== 'option') throw new UsageError(`${command}: unexpected "--" (values starting with - are given as --option=-value)`, usage);
    const spec = specs[t.name];
    if (!spec) throw new UsageError(`${command}: unknown option ${t.rawName}`, usage);
    if (spec.type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`${t.rawName} takes no value (give ${t.rawName} alone)`, usage);
      values[t.name] = true;
    } else {
      // `--audio --json` would otherwise replay a file called "--json".
      if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) throw new UsageError(`${t.rawName} needs a value: ${t.rawName} ${spec.arg ?? 'VALUE'}`, usage);
      values[t.name] = t.value;
    }
  }
  return values;
}

function stringValue(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** On the device, doctor checks the installed service's config by default. */
function installedConfig(): string | undefined {
  return existsSync(DEVICE_CONFIG) ? DEVICE_CONFIG : undefined;
}
const INSTALLED_STATE_DIR = '/var/lib/snapask';

/** The config file named by --config or SNAPASK_CONFIG, checked before it is read. */
function configFile(values: Values): string | undefined {
  const option = stringValue(values.config);
  if (option !== undefined) assertReadableFile('--config', option);
  else if (process.env.SNAPASK_CONFIG) assertReadableFile('SNAPASK_CONFIG', process.env.SNAPASK_CONFIG);
  return option ?? (process.env.SNAPASK_CONFIG || undefined);
}

/** Up front, so a wrong path is named by the option that gave it, not found as an errno halfway through. */
function assertReadableFile(option: string, path: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new UsageError(`${option}: no such file: ${path}`);
  }
  if (!isFile) throw new UsageError(`${option}: ${path} is a directory, not a file`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new UsageError(`${option}: cannot read ${path} (no read permission for this user)`);
  }
}

function httpUrl(option: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`${option}: "${value}" is not a URL (give e.g. http://127.0.0.1:8787/v1)`);
  }
  return value;
}

function applyReplayOverrides(config: Config, v: Values): void {
  if (typeof v['api-base'] === 'string') config.openai.baseURL = httpUrl('--api-base', v['api-base']);
  else httpUrl('openai.baseURL (from the config or OPENAI_BASE_URL)', config.openai.baseURL);
  if (typeof v.api === 'string') {
    if (v.api !== 'assistants' && v.api !== 'responses') throw new UsageError(`--api: "${v.api}" is neither responses nor assistants`);
    config.api = v.api;
  }
  if (typeof v.engine === 'string') {
    if (v.engine !== 'vosk' && v.engine !== 'pocketsphinx' && v.engine !== 'learned' && v.engine !== 'combined') throw new UsageError(`--engine: "${v.engine}" is not pocketsphinx, learned, combined or vosk`);
    config.recogniser = { engine: v.engine, modelDir: typeof v.model === 'string' ? v.model : undefined };
  } else if (typeof v.model === 'string') {
    config.recogniser.modelDir = v.model;
  } else {
    // No Vosk model ships with the source tree; replays default to the engine Debian packages.
    config.recogniser = { engine: 'pocketsphinx' };
  }
  // A replay is self-contained: a fresh conversation and spool, never the config's stateDir
  // (on a device that is the running service's conversation), unless --state names one.
  config.stateDir = typeof v.state === 'string' ? v.state : mkdtempSync(join(tmpdir(), 'snapask-state-'));
}

/** One line from stdin (a password typed or piped); the terminal's echo is the user's to turn off (read -s). */
async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0] ?? '';
}

let debug = false;
let json = false;
/** `run` (and `config`): a configuration error exits with EX_CONFIG (78), which the unit does not restart (RestartPreventExitStatus). */
let serviceStarting = false;
const EX_CONFIG = 78;

function printEvent(e: TurnEvent): void {
  const shown = roundTimes(e) as TurnEvent;
  if (json) {
    process.stdout.write(`${JSON.stringify(shown)}\n`);
    return;
  }
  const { event, ...rest } = shown;
  process.stdout.write(`${event.padEnd(8)} ${Object.entries(rest).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}\n`);
}

/** To the millisecond (3 decimals): times summed on the audio clock print as 3.01, not 3.0100000000000002. */
function roundTimes(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? v : Math.round(v * 1000) / 1000;
  if (Array.isArray(v)) return v.map(roundTimes);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roundTimes(x)]));
  return v;
}

/** A mistake on the command line: exit 2, with the usage when it helps. */
class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // A config error is one line per mistake; anything else, its first line.
    const lines = (e instanceof Error ? e.message : String(e)).split('\n');
    const message = e instanceof ConfigError ? lines.join('; ') : lines[0]!;
    if (json) process.stdout.write(`${JSON.stringify({ event: 'error', stage: 'start', message })}\n`);
    else process.stderr.write(e instanceof ConfigError ? lines.map((l) => `snapask: ${l}\n`).join('') : `snapask: ${message}\n`);
    if (e instanceof UsageError && e.usage) process.stderr.write(`${e.usage}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = e instanceof UsageError ? 2 : serviceStarting && e instanceof ConfigError ? EX_CONFIG : 1;
  },
);
