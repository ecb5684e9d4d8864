/**
 * service_rss_mb: the resident memory of the real service process
 * (`snapask run`) on fake devices: the fake arecord speaks the demo question
 * (with "snapshot" and "reply") and then silence, the fake camera streams
 * 1280x720 MJPEG at 15 fps into the ring buffer, the fake aplay plays the
 * answer and the cues, the API is the local test double. Sampled from
 * /proc/PID/status every 200 ms; the figure is the peak. Node runs with the
 * flags and the environment the systemd unit gives it (deploy/snapask.service).
 *
 * Four configurations, side by side: the device's default (the engine deploy/config.example.json names) with a
 * key set (cloud transcription, so the keyword engine loads no language model: issue 19's target), PocketSphinx
 * and the learned detector alone with cloud transcription, and PocketSphinx without a key (offline
 * transcription, its language model loaded).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFakeOpenAI } from '../fake-openai/server';
import { CLI } from '../support/cli';
import { fakeEnv } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { printMetric } from './metric';

const RUN_SECONDS = 25;
const REPO = resolve(__dirname, '../../..');

/** The node flags of the deployed service: what ExecStart puts between `node` and the script. */
function deployedNodeFlags(): string[] {
  const unit = readFileSync(join(REPO, 'deploy/snapask.service'), 'utf8');
  const exec = /^ExecStart=.*?\bnode\s+(.*?)\s*\/opt\/snapask\/app\/dist\/src\/cli\/main\.js/m.exec(unit);
  if (!exec) throw new Error('deploy/snapask.service: no ExecStart running node on /opt/snapask/app/dist/src/cli/main.js');
  return exec[1]!.split(/\s+/).filter(Boolean);
}

function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The unit's own Environment= settings (the allocator's tunables), as systemd gives them to the service. */
function deployedEnvironment(): Record<string, string> {
  const unit = readFileSync(join(REPO, 'deploy/snapask.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of unit.matchAll(/^Environment=([A-Z_][A-Z0-9_]*)=(\S*)$/gm)) env[m[1]!] = m[2]!;
  return env;
}

interface RssCase {
  metric: string;
  engine: 'pocketsphinx' | 'learned' | 'combined';
  /** An API key at start: the cloud writes the question, the engine spots the command words only. */
  key: boolean;
  target: number;
}

/** The engine the installer's config names: issue 19's `service_rss_mb` is the device's default configuration. */
function deviceEngine(): RssCase['engine'] {
  const engine = (JSON.parse(readFileSync(join(REPO, 'deploy/config.example.json'), 'utf8')) as { recogniser: { engine: string } }).recogniser.engine;
  if (engine !== 'pocketsphinx' && engine !== 'learned' && engine !== 'combined') throw new Error(`service_rss_mb: the device's engine ${engine} cannot run here`);
  return engine;
}

const CASES: RssCase[] = [
  { metric: 'service_rss_mb', engine: deviceEngine(), key: true, target: 200 },
  { metric: 'service_rss_mb_pocketsphinx_cloud', engine: 'pocketsphinx', key: true, target: 200 },
  { metric: 'service_rss_mb_learned_cloud', engine: 'learned', key: true, target: 200 },
  { metric: 'service_rss_mb_offline_transcription', engine: 'pocketsphinx', key: false, target: 250 },
];

/** RSS_METRICS=service_rss_mb,...: only those. */
export async function serviceRss(): Promise<void> {
  const only = (process.env.RSS_METRICS ?? '').split(',').filter(Boolean);
  for (const c of CASES.filter((x) => !only.length || only.includes(x.metric))) await serviceRssOf(c);
}

async function serviceRssOf(c: RssCase): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'snapask-bench-rss-'));
  const fake = await startFakeOpenAI();
  try {
    writeServiceConfig(dir, { apiBase: fake.url, frames: 45, size: '1280x720', fps: 15, config: { recogniser: { engine: c.engine } } });
    const env = fakeEnv({
      FAKE_ARECORD_WAV: join(REPO, 'test/fixtures/demo/question.wav'),
      FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'),
      FAKE_APLAY_DIR: join(dir, 'played'),
    });
    if (c.key) env.OPENAI_API_KEY = 'sk-bench-rss';
    else delete env.OPENAI_API_KEY;
    const proc = spawn(process.execPath, [...deployedNodeFlags(), CLI, 'run', '--config', join(dir, 'config.json')], {
      env: { ...env, ...deployedEnvironment() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let peak = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < RUN_SECONDS * 1000 && proc.exitCode === null) {
      await new Promise((r) => setTimeout(r, 200));
      peak = Math.max(peak, rssMb(proc.pid!) ?? 0);
    }
    const exited = new Promise((r) => proc.on('close', r));
    proc.kill('SIGTERM');
    await exited;
    // The figure only counts if the service really did its work meanwhile.
    if (!out.includes('"event":"spoken"')) throw new Error(`service_rss_mb: the service answered nothing in ${RUN_SECONDS} s: ${out.slice(-500)}`);
    const mode = /"transcription: (cloud|offline)"/.exec(out)?.[1];
    if (mode !== (c.key ? 'cloud' : 'offline')) throw new Error(`${c.metric}: the service transcribed ${mode ?? '(not said)'}, not as configured`);
    printMetric({ metric: c.metric, value: peak, unit: 'MB', target: c.target, engine: c.engine });
  } finally {
    await fake.close();
  }
}
