/**
 * `make bench`: one JSON line per figure. Each benchmark runs the project's own
 * code on real inputs (real speech, real JPEGs, the HTTP test double).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseWav } from '../../src/audio/wav';
import { PocketSphinxRecogniser } from '../../src/recognition/pocketsphinx-recogniser';
import { join } from 'node:path';
import { applianceBenchmarks } from './appliance';
import { assistantBenchmarks } from './assistant';
import { cameraBenchmarks } from './camera';
import { printMetric } from './metric';

const FIXTURES = resolve(__dirname, '../../../test/fixtures/demo');

/** CPU seconds PocketSphinx (keyword and transcript decoders) spends per second of audio. */
function recognitionCost(): void {
  const pcm = parseWav(readFileSync(join(FIXTURES, 'question.wav'))).pcm;
  const rec = new PocketSphinxRecogniser({ keywords: ['snapshot', 'reply'] });
  const rounds = 5;
  const before = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    for (let off = 0; off < pcm.length; off += 3200) rec.accept({ pcm: pcm.subarray(off, off + 3200), t: r * 100 + off / 32000 });
    rec.flush();
  }
  const used = process.cpuUsage(before);
  rec.close();
  const audioSeconds = (rounds * pcm.length) / 32000;
  printMetric({ metric: 'recognition_core_s_per_audio_s', value: (used.user + used.system) / 1e6 / audioSeconds, unit: 's/s', target: 0.15, engine: 'pocketsphinx' });
}

async function main(): Promise<void> {
  // `make bench ONLY=assistant` (or recognition, camera, appliance) runs one group.
  const only = process.argv[2];
  if (!only || only === 'recognition') recognitionCost();
  if (!only || only === 'camera') await cameraBenchmarks();
  if (!only || only === 'assistant') await assistantBenchmarks();
  if (!only || only === 'appliance') await applianceBenchmarks();
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
