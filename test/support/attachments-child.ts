import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { ResponsesThreadManager, type ResponsesSession } from '../../src/assistant/responses-thread-manager';
import { UploadQueue } from '../../src/assistant/upload-queue';
import { createLogger } from '../../src/log';
import { FileLedger } from '../../src/spool/file-ledger';
import { JsonStateFile } from '../../src/spool/json-state-file';
import { TurnSpool, type TurnRecord } from '../../src/spool/turn-spool';
import { TurnAttachments } from '../../src/turn/turn-attachments';
import type { TurnEvent } from '../../src/turn/turn-events';
import { mjpegFrames } from './jpeg';

/** The attachments on the real spool, ledger and upload queue in `dir`, uploading to the API at `baseURL`; and a new open turn. */
export function attachmentsOnTestDouble(baseURL: string, dir: string, emit: (e: TurnEvent) => void, budgetMs: number) {
  const log = createLogger({ level: 'silent' });
  const threads = new ResponsesThreadManager({
    client: new OpenAI({ apiKey: 'test', baseURL, maxRetries: 0 }),
    model: 'gpt-4.1-mini',
    instructions: 'Answer briefly.',
    detail: 'low',
    session: new JsonStateFile<ResponsesSession>(join(dir, 'session.json')),
    log,
  });
  const spool = new TurnSpool(dir);
  const ledger = new FileLedger(dir);
  const uploads = new UploadQueue({ threads, detail: 'low', concurrency: 2, budgetMs, backoffMs: 20, log });
  const attachments = new TurnAttachments({ spool, uploads, ledger, emit });
  const turn: TurnRecord = { id: spool.newId(), createdAt: Date.now(), state: 'open', text: 'what is this', snapshots: [], attempts: 0 };
  return { spool, ledger, attachments, turn };
}

/**
 * A process of its own (Node's default for an unhandled rejection is to end it, which jest's sandbox hides):
 * `node attachments-child.js API_BASE DIR` keeps one picture on a turn whose spool directory cannot be made,
 * prints each turn event as a JSON line, then `{"event":"child-done"}`.
 */
async function main(): Promise<void> {
  const [baseURL, dir] = process.argv.slice(2) as [string, string];
  const { attachments, turn } = attachmentsOnTestDouble(baseURL, dir, (e) => process.stdout.write(`${JSON.stringify(e)}\n`), 10_000);
  mkdirSync(join(dir, 'turns'), { recursive: true });
  writeFileSync(join(dir, 'turns', turn.id), 'a file where the turn directory goes');
  await attachments.addSnapshot(turn, { jpeg: mjpegFrames(1, '64x48'), sha256: 'sha-1', index: 1, t: 0 });
  process.stdout.write(`${JSON.stringify({ event: 'child-done', fileId: turn.snapshots[0]?.fileId })}\n`);
}

if (require.main === module) void main();
