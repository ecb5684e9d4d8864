/**
 * A child process that runs the real turn logic, spool, upload queue, sender
 * and thread manager against an OpenAI endpoint, fed with recognition events
 * instead of speech, so tests and the soak benchmark can kill it with SIGKILL
 * at any moment and start it again on the same spool.
 *
 *   node turn-driver.js --api-base URL --api responses|assistants --state DIR --jpeg FILE
 *        [--from K] [--to N] [--die-at EVENT[:COUNT]] [--gap-ms MS]
 *
 * Question k is "question number k ..." with a snapshot when k is even. Each
 * turn event goes to stdout as one JSON line; `--die-at message:2` kills the
 * process (SIGKILL, no clean-up) at the second `message` event.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createAssistantSide } from '../../src/app/thread-manager-factory';
import { DEFAULT_CONFIG } from '../../src/config/config';
import { LogIndicator } from '../../src/indicator/indicator';
import { createLogger } from '../../src/log';
import type { Speaker } from '../../src/speech/speaker';
import { TurnLogic } from '../../src/turn/turn-logic';
import type { TurnEvent } from '../../src/turn/turn-events';

/** `take` tells apart a question asked again after a restart (the soak's user repeats what the device never took). */
export function driverQuestion(k: number, take = 0): string {
  return `question number ${k}${take ? ` take ${take}` : ''} about the thing on the shelf`;
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      'api-base': { type: 'string' },
      api: { type: 'string', default: 'responses' },
      state: { type: 'string' },
      jpeg: { type: 'string' },
      from: { type: 'string', default: '0' },
      to: { type: 'string', default: '1' },
      'die-at': { type: 'string' },
      'gap-ms': { type: 'string', default: '0' },
      'upload-wait-ms': { type: 'string' },
      'upload-budget-ms': { type: 'string' },
      until: { type: 'string', default: 'answered' },
      take: { type: 'string', default: '0' },
      'open-last': { type: 'boolean', default: false },
    },
  });
  if (!v['api-base'] || !v.state || !v.jpeg) throw new Error('turn-driver needs --api-base, --state and --jpeg');
  const config = structuredClone(DEFAULT_CONFIG);
  config.openai.baseURL = v['api-base'];
  config.api = v.api === 'assistants' ? 'assistants' : 'responses';
  config.stateDir = v.state;
  config.spool.retryMs = 100;
  config.spool.maxRetryMs = 500;
  config.uploads.backoffMs = 50;
  config.openai.streamIdleMs = 3000;
  if (v['upload-wait-ms']) config.uploads.waitAtReplyMs = Number(v['upload-wait-ms']);
  if (v['upload-budget-ms']) config.uploads.budgetMs = Number(v['upload-budget-ms']);
  const jpeg = readFileSync(v.jpeg);
  // EVENT[:COUNT][+MS]: SIGKILL at the COUNT-th EVENT, or MS milliseconds after it.
  const die = /^([a-z-]+)(?::(\d+))?(?:\+(\d+))?$/.exec(v['die-at'] ?? '');
  let seen = 0;
  const emit = (e: TurnEvent): void => {
    process.stdout.write(`${JSON.stringify(e)}\n`);
    if (die && e.event === die[1] && ++seen === Number(die[2] ?? 1)) {
      if (die[3]) setTimeout(() => process.kill(process.pid, 'SIGKILL'), Number(die[3]));
      else process.kill(process.pid, 'SIGKILL');
    }
  };
  const speaker: Speaker = {
    async speak(sentences) {
      let n = 0;
      let text = '';
      for await (const s of sentences) {
        n++;
        text += (text ? ' ' : '') + s.trim();
      }
      process.stdout.write(`${JSON.stringify({ event: 'said', text })}\n`);
      return { sentences: n };
    },
  };
  const log = createLogger({ level: 'silent' });
  const indicator = new LogIndicator(log);
  const side = createAssistantSide(config, {}, log, { speaker, indicator, emit });
  let index = 0;
  const turn = new TurnLogic({
    commands: config.commands,
    frames: { start: async () => undefined, stop: async () => undefined, frameAt: (t) => ({ jpeg, t, index: index++ }) },
    ...side,
    indicator,
    log,
    emit,
  });
  turn.restore(await side.spool.list());
  let t = 0;
  const gap = Number(v['gap-ms']);
  for (let k = Number(v.from); k < Number(v.to); k++) {
    const words = driverQuestion(k, Number(v.take)).split(' ');
    const start = t;
    turn.onRecognition({ type: 'transcript', start, end: start + words.length * 0.3, words: words.map((w, i) => ({ word: w, start: start + i * 0.3, end: start + i * 0.3 + 0.25 })), text: words.join(' ') });
    t += words.length * 0.3;
    if (k % 2 === 0) {
      turn.onRecognition({ type: 'keyword', word: 'snapshot', role: 'snapshot', start: t, end: t + 0.5, detectedAt: t + 0.7 });
      t += 0.6;
    }
    // --open-last: the last question is still being asked (no "reply" yet) when the process ends.
    if (v['open-last'] && k === Number(v.to) - 1) {
      await new Promise((r) => setTimeout(r, 60_000));
      break;
    }
    turn.onRecognition({ type: 'keyword', word: 'reply', role: 'reply', start: t, end: t + 0.4, detectedAt: t + 0.6 });
    t += 0.6;
    turn.onAudioTime(t);
    if (gap) await new Promise((r) => setTimeout(r, gap));
  }
  await turn.finish();
  // 'answered': wait out held questions too (the test lets the API recover); 'settled': stop at a hold.
  if (v.until === 'answered') await side.sender.drained();
  await side.sender.stop();
  process.stdout.write(`${JSON.stringify({ event: 'driver-done' })}\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stdout.write(`${JSON.stringify({ event: 'driver-error', message: (e as Error).message })}\n`);
    process.exitCode = 1;
  });
}
