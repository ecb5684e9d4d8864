import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { AssistantsThreadManager, type AssistantsSession } from '../../src/assistant/assistants-thread-manager';
import type { AnswerEvent } from '../../src/assistant/thread-manager';
import { ZapierHookTool } from '../../src/assistant/zapier-tool';
import { createLogger } from '../../src/log';
import { JsonStateFile } from '../../src/spool/json-state-file';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { mjpegFrames } from '../support/jpeg';

const log = createLogger({ level: 'silent' });

function manager(fake: FakeOpenAI, hookUrl?: string, stateDir = mkdtempSync(join(tmpdir(), 'snapask-tm-'))) {
  return new AssistantsThreadManager({
    client: new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 }),
    model: 'gpt-4.1-mini',
    instructions: 'Answer briefly.',
    detail: 'low',
    tool: new ZapierHookTool({ hookUrl, timeoutMs: 2000 }),
    session: new JsonStateFile<AssistantsSession>(join(stateDir, 'session.json')),
    log,
  });
}

async function collect(events: AsyncIterable<AnswerEvent>): Promise<AnswerEvent[]> {
  const out: AnswerEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('AssistantsThreadManager against the test double', () => {
  let fake: FakeOpenAI;
  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });
  afterEach(() => fake.close());

  it('runs the zapier function through requires_action and submit_tool_outputs, and streams the answer', async () => {
    const received: string[] = [];
    const hook: Server = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        received.push(b);
        res.writeHead(200).end('{"status":"success"}');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const tm = manager(fake, `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/catch/1/x/`);
      const img = await tm.uploadImage(mjpegFrames(1, '64x48'), 'snap.jpg');
      const events = await collect(tm.ask({ text: 'please use zapier to email this picture to Anna', fileIds: [img.fileId] }));
      const tool = events.find((e) => e.type === 'tool-call');
      expect(tool).toMatchObject({ type: 'tool-call', name: 'zapier' });
      expect(JSON.parse(received[0]!)).toMatchObject({ instruction: expect.stringContaining('email this picture to Anna') });
      const done = events[events.length - 1] as { type: 'done'; text: string };
      expect(done.type).toBe('done');
      expect(done.text).toContain('received the request');
      expect(done.text).toContain(img.sha256);
      const deltas = events.filter((e) => e.type === 'text-delta');
      expect(deltas.length).toBeGreaterThan(1);
      expect(fake.requests.map((r) => r.operation)).toContain('POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs');
      const msg = fake.requests.find((r) => r.operation === 'POST /threads/{thread_id}/messages')!.body as { content: unknown[] };
      expect(msg.content[1]).toEqual({ type: 'image_file', image_file: { file_id: img.fileId, detail: 'low' } });
      expect(fake.violations).toEqual([]);
      expect(fake.toolsSeen).toEqual(['zapier']);
    } finally {
      hook.close();
    }
  });

  it('keeps one assistant and one thread across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-tm-'));
    await collect(manager(fake, undefined, dir).ask({ text: 'first', fileIds: [] }));
    await collect(manager(fake, undefined, dir).ask({ text: 'second', fileIds: [] }));
    const ops = fake.requests.map((r) => r.operation);
    expect(ops.filter((o) => o === 'POST /assistants')).toHaveLength(1);
    expect(ops.filter((o) => o === 'POST /threads')).toHaveLength(1);
    expect(ops.filter((o) => o === 'POST /threads/{thread_id}/messages')).toHaveLength(2);
  });

  it('says that the Assistants API was retired when a threads endpoint answers 404', async () => {
    fake.inject({ operation: 'POST /threads', status: 404, body: { error: { message: 'Invalid URL (POST /v1/threads)', type: 'invalid_request_error', param: null, code: null } } });
    await expect(collect(manager(fake).ask({ text: 'hello', fileIds: [] }))).rejects.toThrow(/retired the Assistants API .* on 2026-08-26.*api = "responses"/);
  });

  it('reports a refused key in one line without retrying', async () => {
    fake.inject({ operation: 'POST /files', status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
    await expect(manager(fake).uploadImage(mjpegFrames(1, '64x48'), 'a.jpg')).rejects.toThrow(/uploading a\.jpg: the OpenAI API refused the API key \(401\)/);
    expect(fake.requests.filter((r) => r.operation === 'POST /files')).toHaveLength(1);
  });

  it('adopts a given assistant: removes an old vision function, keeps the zapier function, and logs what it removed', async () => {
    const client = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
    const old = await client.beta.assistants.create({
      model: 'gpt-4.1-mini',
      tools: [
        { type: 'function', function: { name: 'describe_image', description: 'look at a picture', parameters: { type: 'object', properties: { url: { type: 'string' } } } } },
        { type: 'code_interpreter' },
      ],
    });
    const lines: string[] = [];
    const tm = new AssistantsThreadManager({
      client, model: 'gpt-4.1-mini', instructions: '', detail: 'high', assistantId: old.id,
      tool: new ZapierHookTool({}), session: new JsonStateFile<AssistantsSession>(join(mkdtempSync(join(tmpdir(), 'snapask-tm-')), 's.json')),
      log: createLogger({ level: 'info', destination: { write: (l: string) => lines.push(l) } }),
    });
    await collect(tm.ask({ text: 'hello', fileIds: [] }));
    const after = await client.beta.assistants.retrieve(old.id);
    expect(after.tools.map((t) => (t.type === 'function' ? t.function.name : t.type))).toEqual(['code_interpreter', 'zapier']);
    expect(lines.join('')).toMatch(/removed describe_image/);
    expect(fake.violations).toEqual([]);
  });
});
