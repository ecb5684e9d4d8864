#!/usr/bin/env node
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config/config';
import { createLogger } from '../log';
import type { TurnEvent } from '../turn/turn-events';
import { replay } from './replay';
import { runService } from './run';

const USAGE = `usage:
  snapask run [--config FILE] [--debug]
  snapask replay --audio Q.wav [--camera C.mjpeg|still.jpg] [--fps 15] [--api-base URL]
                 [--api assistants|responses] [--engine pocketsphinx|vosk] [--model DIR]
                 [--out DIR] [--state DIR] [--config FILE] [--json] [--debug]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string' },
      audio: { type: 'string' },
      camera: { type: 'string' },
      fps: { type: 'string', default: '15' },
      'api-base': { type: 'string' },
      api: { type: 'string' },
      engine: { type: 'string' },
      model: { type: 'string' },
      out: { type: 'string' },
      state: { type: 'string' },
      json: { type: 'boolean', default: false },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  debug = values.debug ?? false;
  json = values.json ?? false;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const { config, secrets } = loadConfig(values.config ?? process.env.SNAPASK_CONFIG);
  if (command === 'run') {
    return runService(config, secrets, createLogger({ level: debug ? 'debug' : 'info' }));
  }
  if (command !== 'replay') throw new UsageError(`unknown command "${command}"`);
  if (!values.audio) throw new UsageError('replay needs --audio FILE.wav');
  const fps = Number(values.fps);
  if (!(fps > 0)) throw new UsageError(`--fps must be a positive number, got "${values.fps}"`);
  applyReplayOverrides(config, values);
  // stdout carries the events; logs go to stderr, quiet unless debugging.
  const log = createLogger({ level: debug ? 'debug' : 'warn', destination: 2 });
  const errors = await replay({ audio: values.audio, camera: values.camera, fps, outDir: values.out }, config, secrets, log, printEvent);
  return errors ? 1 : 0;
}

function applyReplayOverrides(config: Config, v: Record<string, string | boolean | undefined>): void {
  if (typeof v['api-base'] === 'string') config.openai.baseURL = v['api-base'];
  if (typeof v.api === 'string') {
    if (v.api !== 'assistants' && v.api !== 'responses') throw new UsageError(`--api must be assistants or responses, got "${v.api}"`);
    config.api = v.api;
  }
  if (typeof v.engine === 'string') {
    if (v.engine !== 'vosk' && v.engine !== 'pocketsphinx') throw new UsageError(`--engine must be vosk or pocketsphinx, got "${v.engine}"`);
    config.recogniser = { engine: v.engine, modelDir: typeof v.model === 'string' ? v.model : undefined };
  } else if (typeof v.model === 'string') {
    config.recogniser.modelDir = v.model;
  } else {
    // No Vosk model ships with the source tree; replays default to the engine Debian packages.
    config.recogniser = { engine: 'pocketsphinx' };
  }
  // A replay is self-contained: a fresh conversation and spool unless a state dir is given.
  if (typeof v.state === 'string') config.stateDir = v.state;
  else if (!v.config && !process.env.SNAPASK_CONFIG) config.stateDir = mkdtempSync(join(tmpdir(), 'snapask-state-'));
}

let debug = false;
let json = false;

function printEvent(e: TurnEvent): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(e)}\n`);
    return;
  }
  const { event, ...rest } = e;
  process.stdout.write(`${event.padEnd(8)} ${Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}`).join(' ')}\n`);
}

class UsageError extends Error {
  override name = 'UsageError';
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    if (json) process.stdout.write(`${JSON.stringify({ event: 'error', stage: 'start', message })}\n`);
    else process.stderr.write(`snapask: ${message}\n`);
    if (e instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
