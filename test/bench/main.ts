/**
 * `make bench`: one JSON line per figure. Each benchmark runs the project's own
 * code on real inputs (real speech, real JPEGs, the HTTP test double).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createAssistantSide } from '../../src/app/thread-manager-factory';
import { DEFAULT_CONFIG } from '../../src/config/config';
import { parseWav } from '../../src/audio/wav';
import { FrameRingBuffer } from '../../src/camera/ring-buffer';
import { LogIndicator } from '../../src/indicator/indicator';
import { createLogger } from '../../src/log';
import { PocketSphinxRecogniser } from '../../src/recognition/pocketsphinx-recogniser';
import { TurnLogic } from '../../src/turn/turn-logic';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI } from '../fake-openai/server';
import { mjpegFrames } from '../support/jpeg';
import { MjpegSplitter } from '../../src/camera/mjpeg-splitter';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Speaker } from '../../src/speech/speaker';
import { applianceBenchmarks } from './appliance';
import { assistantBenchmarks } from './assistant';
import { percentile, printMetric } from './metric';

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

/** From the "snapshot" keyword event to the JPEG in hand, with a 3 s ring of 1280x720 frames. */
async function keywordToJpeg(): Promise<void> {
  const fake = await startFakeOpenAI();
  try {
    const jpegs = new MjpegSplitter().push(mjpegFrames(45, '1280x720', 15));
    const ring = new FrameRingBuffer({ seconds: 3, maxBytes: 64 * 1024 * 1024 });
    jpegs.forEach((jpeg, index) => ring.push({ jpeg, t: index / 15, index }));
    const log = createLogger({ level: 'silent' });
    const config = structuredClone(DEFAULT_CONFIG);
    config.openai.baseURL = fake.url;
    config.stateDir = mkdtempSync(join(tmpdir(), 'snapask-bench-'));
    const silent: Speaker = { speak: async (s) => { let n = 0; for await (const _ of s) n++; return { sentences: n }; } };
    let tookAt = 0;
    const emit = (e: TurnEvent) => { if (e.event === 'snapshot') tookAt = performance.now(); };
    const indicator = new LogIndicator(log);
    const side = createAssistantSide(config, {}, log, { speaker: silent, indicator, emit });
    const turn = new TurnLogic({
      commands: config.commands,
      frames: { start: async () => undefined, stop: async () => undefined, frameAt: (t) => ring.firstAtOrAfter(t) },
      ...side, indicator, log, emit,
    });
    const ms: number[] = [];
    for (let i = 0; i < 200; i++) {
      const start = 0.5 + (i % 20) * 0.1;
      const t0 = performance.now();
      turn.onRecognition({ type: 'keyword', word: 'snapshot', start, end: start + 0.5, detectedAt: start + 0.8 });
      ms.push(tookAt - t0);
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 50)); // let uploads drain
    }
    await turn.finish();
    await side.sender.stop();
    printMetric({ metric: 'keyword_to_jpeg_ms_p95', value: percentile(ms, 95), unit: 'ms', target: 5 });
  } finally {
    await fake.close();
  }
}

async function main(): Promise<void> {
  // `make bench ONLY=assistant` (or recognition, camera, appliance) runs one group.
  const only = process.argv[2];
  if (!only || only === 'recognition') recognitionCost();
  if (!only || only === 'camera') await keywordToJpeg();
  if (!only || only === 'assistant') await assistantBenchmarks();
  if (!only || only === 'appliance') await applianceBenchmarks();
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
