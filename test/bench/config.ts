import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { percentile, printMetric } from './metric';

const REPO = join(__dirname, '../../..');
const RUNS = 7;

/**
 * What the config costs the start: a fresh Node loading the config module (TypeBox's builder, Ajv) and reading the
 * device's example config, compiling each key's check. Measured in a child process, as at a real start.
 */
export async function configBenchmarks(): Promise<void> {
  const script = `
    const t0 = process.hrtime.bigint();
    const { loadConfig } = require(${JSON.stringify(join(REPO, 'dist/src/config/config'))});
    const t1 = process.hrtime.bigint();
    loadConfig(${JSON.stringify(join(REPO, 'deploy/config.example.json'))}, { SNAPASK_CAMERA_FPS: '15' });
    const t2 = process.hrtime.bigint();
    process.stdout.write(JSON.stringify([Number(t1 - t0) / 1e6, Number(t2 - t1) / 1e6]));`;
  const requires: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`config bench: ${r.stderr.trim()}`);
    const [req, load] = JSON.parse(r.stdout) as [number, number];
    requires.push(req);
    loads.push(load);
  }
  printMetric({ metric: 'config_module_load_ms_p50', value: percentile(requires, 50), unit: 'ms', target: 400 });
  printMetric({ metric: 'config_first_read_ms_p50', value: percentile(loads, 50), unit: 'ms', target: 100 });
}
