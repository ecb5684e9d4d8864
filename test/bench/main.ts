/**
 * `make bench`: one JSON line per figure. Each benchmark runs the project's own
 * code on real inputs (real speech, real JPEGs, the HTTP test double).
 * `make bench ONLY=listening` (or heldout, calibration, camera, console, speaking, assistant, appliance, config, transcription) runs one group.
 */
import { applianceBenchmarks } from './appliance';
import { assistantBenchmarks } from './assistant';
import { cameraBenchmarks } from './camera';
import { configBenchmarks } from './config';
import { consoleBenchmarks } from './console';
import { keywordBench } from './keywords';
import { calibrationBench } from './keywords-calibration';
import { heldoutBench } from './keywords-heldout';
import { serviceRss } from './keywords-service';
import { speakingBench } from './speaking';
import { bargeInBench } from './speaking-barge-in';
import { transcriptionBench } from './transcription';

const GROUPS: Record<string, () => Promise<void>> = {
  listening: async () => {
    await keywordBench();
    await serviceRss();
  },
  heldout: heldoutBench,
  calibration: calibrationBench,
  speaking: async () => {
    await speakingBench();
    await bargeInBench();
  },
  camera: cameraBenchmarks,
  console: consoleBenchmarks,
  assistant: assistantBenchmarks,
  appliance: applianceBenchmarks,
  config: configBenchmarks,
  transcription: transcriptionBench,
};

async function main(): Promise<void> {
  const only = process.argv[2];
  if (only && !GROUPS[only]) throw new Error(`no benchmark group "${only}"; groups: ${Object.keys(GROUPS).join(', ')}`);
  for (const [name, run] of Object.entries(GROUPS)) if (!only || only === name) await run();
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
