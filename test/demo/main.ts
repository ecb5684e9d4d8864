/**
 * `make demo`: the whole flow on the bundled fixtures, told step by step. It
 * uses the local test double of the OpenAI API unless OPENAI_API_KEY is set.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/config';
import { replay } from '../../src/cli/replay';
import { createLogger } from '../../src/log';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';

const FIXTURES = resolve(__dirname, '../../../test/fixtures/demo');
const s = (t: number) => `${t.toFixed(2)} s`;

function tell(e: TurnEvent): void {
  switch (e.event) {
    case 'keyword':
      console.log(`\nheard "${e.word}" from ${s(e.start)} to ${s(e.end)} (recognised at ${s(e.detected_at)})`);
      break;
    case 'snapshot':
      console.log(`  kept camera frame ${e.frame_index}, captured at ${s(e.frame_time)}: ${e.bytes} bytes of JPEG, sha256 ${e.sha256.slice(0, 16)}…`);
      break;
    case 'upload':
      console.log(`  uploaded with purpose "vision" as ${e.file_id} in ${e.ms} ms`);
      break;
    case 'message':
      console.log(`  sent to the assistant (${e.dialect}): "${e.text}" with ${e.file_ids.length} picture(s) by file id: ${e.file_ids.join(', ')}`);
      break;
    case 'tool':
      console.log(`  the assistant called ${e.name}(${e.arguments}) -> ${e.output}`);
      break;
    case 'reply':
      console.log(`  answer, streamed: "${e.text}"`);
      break;
    case 'spoken':
      console.log(`  spoken in ${e.sentences} sentence(s): ${e.wav ?? '(speaker)'}`);
      break;
    case 'queued':
      console.log('  the question is safe in the spool: it will be sent exactly once');
      break;
    case 'timings':
      console.log(`  timings: reply to request ${e.reply_to_request_ms ?? '-'} ms, request to first token ${e.request_to_first_token_ms ?? '-'} ms`);
      break;
    default:
      console.log(`  ${e.event}: ${'reason' in e ? e.reason : 'message' in e ? e.message : ''}`);
  }
}

async function main(): Promise<number> {
  const { config, secrets } = loadConfig(undefined);
  let fake: FakeOpenAI | undefined;
  if (secrets.openaiApiKey) {
    console.log(`snapask demo against the real OpenAI API at ${config.openai.baseURL} (OPENAI_API_KEY is set).`);
    console.log('Note: this version speaks the Assistants API, which OpenAI retired on 2026-08-26; expect it to be refused there.');
  } else {
    fake = await startFakeOpenAI();
    config.openai.baseURL = fake.url;
    console.log(`snapask demo against the LOCAL TEST DOUBLE of the OpenAI API at ${fake.url} (set OPENAI_API_KEY to use the real one).`);
  }
  config.recogniser = { engine: 'pocketsphinx' };
  config.stateDir = mkdtempSync(join(tmpdir(), 'snapask-demo-state-'));
  const out = mkdtempSync(join(tmpdir(), 'snapask-demo-'));
  console.log(`microphone: ${join(FIXTURES, 'question.wav')}\ncamera:     ${join(FIXTURES, 'camera.mjpeg')} at 15 fps\nrecogniser: PocketSphinx (offline)`);
  try {
    const errors = await replay({ audio: join(FIXTURES, 'question.wav'), camera: join(FIXTURES, 'camera.mjpeg'), fps: 15, outDir: out }, config, secrets, createLogger({ level: 'warn', destination: 2 }), tell);
    if (fake) console.log(`\nthe test double checked ${fake.requests.length} requests against OpenAI's published API description: ${fake.violations.length ? fake.violations.join('; ') : 'all valid'}.`);
    return errors ? 1 : 0;
  } finally {
    await fake?.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
