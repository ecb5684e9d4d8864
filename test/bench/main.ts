/**
 * `make bench`: one JSON line per figure. Each benchmark runs the project's own
 * code on real inputs (real speech, real JPEGs, the HTTP test double).
 */
import OpenAI from 'openai';
import { AssistantsThreadManager } from '../../src/assistant/assistants-thread-manager';
import { ZapierHookTool } from '../../src/assistant/zapier-tool';
import { FrameRingBuffer } from '../../src/camera/ring-buffer';
import { LogIndicator } from '../../src/indicator/indicator';
import { createLogger } from '../../src/log';
import { JsonStateFile } from '../../src/spool/json-state-file';
import { TurnLogic } from '../../src/turn/turn-logic';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI } from '../fake-openai/server';
import { mjpegFrames } from '../support/jpeg';
import { MjpegSplitter } from '../../src/camera/mjpeg-splitter';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Speaker } from '../../src/speech/speaker';
import { percentile, printMetric } from './metric';
import { keywordBench } from './keywords';
import { serviceRss } from './keywords-service';
import { speakingBench } from './speaking';
import { bargeInBench } from './speaking-barge-in';

/** From the "snapshot" keyword event to the JPEG in hand, with a 3 s ring of 1280x720 frames. */
async function keywordToJpeg(): Promise<void> {
  const fake = await startFakeOpenAI();
  try {
    const jpegs = new MjpegSplitter().push(mjpegFrames(45, '1280x720', 15));
    const ring = new FrameRingBuffer({ seconds: 3, maxBytes: 64 * 1024 * 1024 });
    jpegs.forEach((jpeg, index) => ring.push({ jpeg, t: index / 15, index }));
    const log = createLogger({ level: 'silent' });
    const threads = new AssistantsThreadManager({
      client: new OpenAI({ apiKey: 'bench', baseURL: fake.url }),
      model: 'gpt-4.1-mini', instructions: '', detail: 'high', tool: new ZapierHookTool({}),
      session: new JsonStateFile(join(mkdtempSync(join(tmpdir(), 'snapask-bench-')), 's.json')), log,
    });
    const silent: Speaker = { speak: async (s) => { let n = 0; for await (const _ of s) n++; return { sentences: n }; } };
    let tookAt = 0;
    const turn = new TurnLogic({
      commands: { snapshot: 'snapshot', reply: 'reply' },
      frames: { start: async () => undefined, stop: async () => undefined, frameAt: (t) => ring.firstAtOrAfter(t) },
      threads, speaker: silent, indicator: new LogIndicator(log), log,
      emit: (e: TurnEvent) => { if (e.event === 'snapshot') tookAt = performance.now(); },
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
    printMetric({ metric: 'keyword_to_jpeg_ms_p95', value: percentile(ms, 95), unit: 'ms', target: 5 });
  } finally {
    await fake.close();
  }
}

async function main(): Promise<void> {
  await keywordToJpeg();
  // Issue 4: listening and speaking.
  await keywordBench();
  await serviceRss();
  await speakingBench();
  await bargeInBench();
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
