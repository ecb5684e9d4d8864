import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { ApprovalGate } from '../../src/assistant/approval';
import { ResponsesThreadManager, type ResponsesSession } from '../../src/assistant/responses-thread-manager';
import type { AnswerEvent } from '../../src/assistant/thread-manager';
import { ZapierHookTool, type ZapierMcpOptions } from '../../src/assistant/zapier-tool';
import { createLogger } from '../../src/log';
import { JsonStateFile } from '../../src/spool/json-state-file';
import { ConfirmationGate } from '../../src/turn/confirmation-gate';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { mjpegFrames } from '../support/jpeg';

const log = createLogger({ level: 'silent' });

function manager(fake: FakeOpenAI, o: { stateDir?: string; gate?: ApprovalGate; mcp?: ZapierMcpOptions; hook?: boolean; hookUrl?: () => string | undefined } = {}) {
  return new ResponsesThreadManager({
    client: new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 }),
    model: 'gpt-4.1-mini',
    instructions: 'Answer briefly.',
    detail: 'original',
    ...(o.hook === false ? {} : { tool: new ZapierHookTool({ hookUrl: o.hookUrl ?? (() => 'http://127.0.0.1:9/hooks/catch/1/test') }) }),
    ...(o.mcp ? { mcp: o.mcp } : {}),
    ...(o.gate ? { gate: o.gate } : {}),
    session: new JsonStateFile<ResponsesSession>(join(o.stateDir ?? mkdtempSync(join(tmpdir(), 'snapask-rtm-')), 'session.json')),
    log,
    idleTimeoutMs: 2000,
  });
}

/** Polls until the condition holds (a loaded machine may take a while to reach it). */
async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function collect(events: AsyncIterable<AnswerEvent>): Promise<AnswerEvent[]> {
  const out: AnswerEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const bodiesOf = (fake: FakeOpenAI, op: string) => fake.requests.filter((r) => r.operation === op).map((r) => r.body as Record<string, unknown>);

describe('ResponsesThreadManager against the test double', () => {
  let fake: FakeOpenAI;
  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
  });

  it('offers the Zapier function only while a hook is configured (the secrets file may set it later)', async () => {
    let hook: string | undefined;
    const m = manager(fake, { hookUrl: () => hook });
    await collect(m.ask({ text: 'what is this', fileIds: [] }));
    hook = 'http://127.0.0.1:9/hooks/catch/1/test';
    await collect(m.ask({ text: 'and now', fileIds: [] }));
    const [before, after] = bodiesOf(fake, 'POST /responses');
    expect(before!.tools ?? []).toEqual([]);
    expect(after!.tools).toEqual([expect.objectContaining({ type: 'function', name: 'zapier' })]);
  });

  it('asks with text and the picture by file id on one conversation, kept across restarts', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'snapask-rtm-'));
    const img = await manager(fake, { stateDir }).uploadImage(mjpegFrames(1, '64x48'), 'snap.jpg');
    const events = await collect(manager(fake, { stateDir }).ask({ text: 'what is this', fileIds: [img.fileId] }));
    await collect(manager(fake, { stateDir }).ask({ text: 'and now', fileIds: [] }));

    expect(bodiesOf(fake, 'POST /conversations')).toHaveLength(1);
    const [first, second] = bodiesOf(fake, 'POST /responses');
    expect(first!.conversation).toBe(second!.conversation);
    expect(first!.input).toEqual([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'what is this' }, { type: 'input_image', file_id: img.fileId, detail: 'original' }] }]);
    // The optional `subject` keeps the default schema out of strict mode; the one tool is zapier.
    expect(first!.tools).toEqual([expect.objectContaining({ type: 'function', name: 'zapier', strict: false })]);
    expect(events[0]).toMatchObject({ type: 'request-sent', dialect: 'responses' });
    const deltas = events.filter((e) => e.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(2);
    const done = events.at(-1) as { type: 'done'; text: string };
    expect(done.text).toContain('64x48 pixels');
  });

  it('runs the function call with call_id from the item and sends its output on the same conversation', async () => {
    const events = await collect(manager(fake).ask({ text: 'please use zapier to email Anna', fileIds: [] }));
    const tool = events.find((e) => e.type === 'tool-call') as Extract<AnswerEvent, { type: 'tool-call' }>;
    expect(tool.name).toBe('zapier');
    expect(tool.output).toMatch(/the Zapier hook could not be reached/);
    const [ask, follow] = bodiesOf(fake, 'POST /responses');
    expect(follow!.conversation).toBe(ask!.conversation);
    const output = (follow!.input as Array<Record<string, unknown>>)[0]!;
    expect(output.type).toBe('function_call_output');
    expect(output.call_id).toMatch(/^call_/);
    expect((events.at(-1) as { text: string }).text).toMatch(/^Zapier said: Error: the Zapier hook could not be reached/);
  });

  it('with confirmation on, runs the action only after a yes, and tells the model when the user said no', async () => {
    const gate = new ConfirmationGate('always', 10_000);
    const declined = manager(fake, { gate });
    const pending = collect(declined.ask({ text: 'please use zapier to order more coffee', fileIds: [] }));
    await waitFor(() => gate.waiting);
    gate.decline();
    const events = await pending;
    expect(events.map((e) => e.type)).toContain('approval-needed');
    expect((events.find((e) => e.type === 'tool-call') as { output: string }).output).toMatch(/did not confirm/);

    const yes = new ConfirmationGate('always', 10_000);
    const confirmed = collect(manager(fake, { gate: yes }).ask({ text: 'please use zapier to order more coffee', fileIds: [] }));
    await waitFor(() => yes.waiting);
    yes.confirm();
    expect(((await confirmed).find((e) => e.type === 'tool-call') as { output: string }).output).toMatch(/the Zapier hook could not be reached/);
  });

  it('a confirmation nobody gives times out as a no', async () => {
    const decisions: string[] = [];
    const gate = new ConfirmationGate('always', 200, (_a, d) => decisions.push(d));
    const events = await collect(manager(fake, { gate }).ask({ text: 'please use zapier to send it', fileIds: [] }));
    expect(decisions).toEqual(['timed-out']);
    expect((events.find((e) => e.type === 'tool-call') as { output: string }).output).toMatch(/did not confirm/);
  });

  it('Zapier MCP: an mcp tool with the secret as Authorization header; approval requests go through the gate', async () => {
    const gate = new ConfirmationGate('always', 10_000);
    const mcp: ZapierMcpOptions = { serverUrl: 'https://mcp.zapier.com/api/mcp/mcp', serverLabel: 'zapier', authorization: 'Bearer zmcp-secret', allowedTools: ['gmail_send_email'], requireApproval: 'always' };
    const pending = collect(manager(fake, { gate, mcp, hook: false }).ask({ text: 'use zapier to email Anna the list', fileIds: [] }));
    await waitFor(() => gate.waiting);
    expect(gate.confirm()).toBe(true);
    const events = await pending;
    const [ask, follow] = bodiesOf(fake, 'POST /responses');
    expect(ask!.tools).toEqual([{ type: 'mcp', server_label: 'zapier', server_url: mcp.serverUrl, headers: { Authorization: 'Bearer zmcp-secret' }, allowed_tools: ['gmail_send_email'], require_approval: 'always' }]);
    expect(follow!.input).toEqual([{ type: 'mcp_approval_response', approval_request_id: expect.stringMatching(/^mcpr_/), approve: true }]);
    expect(events.map((e) => e.type)).toContain('approval-needed');
    expect((events.at(-1) as { text: string }).text).toMatch(/Zapier ran the action/);
    expect(fake.toolsSeen).toEqual([]);
  });

  it('resume: finds a question already in the conversation and answers it without asking again', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'snapask-rtm-'));
    const q = { text: 'how tall is this plant', fileIds: [] };
    await collect(manager(fake, { stateDir }).ask(q));
    const again = await manager(fake, { stateDir }).resume(q);
    expect(again).toBeDefined();
    const events = await collect(again!);
    expect((events.at(-1) as { text: string }).text).toContain('how tall is this plant');
    expect(fake.questions.filter((t) => t === q.text)).toHaveLength(1);
    // Answered already: nothing more was asked of the model.
    expect(bodiesOf(fake, 'POST /responses')).toHaveLength(1);
    expect(await manager(fake, { stateDir }).resume({ text: 'never asked', fileIds: [] })).toBeUndefined();
  });

  it('resume after an answer that failed: asks for an answer with a developer note, not the question again', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'snapask-rtm-'));
    const q = { text: 'what colour is the mug', fileIds: [] };
    fake.inject({ operation: 'POST /responses', outcome: 'failed' });
    await expect(collect(manager(fake, { stateDir }).ask(q))).rejects.toMatchObject({ kind: 'retry', message: expect.stringMatching(/failed on the server/) });
    const events = await collect((await manager(fake, { stateDir }).resume(q))!);
    expect((events.at(-1) as { text: string }).text).toContain('what colour is the mug');
    const follow = bodiesOf(fake, 'POST /responses')[1]!;
    expect(follow.input).toEqual([{ type: 'message', role: 'developer', content: expect.stringMatching(/Answer the user's last message/) }]);
    expect(fake.questions.filter((t) => t === q.text)).toHaveLength(1);
  });

  it('errors are one line with their kind: 401 refused, 404 on a conversation is not the Assistants hint, incomplete is final', async () => {
    fake.inject({ operation: 'POST /conversations', status: 401 });
    await expect(collect(manager(fake).ask({ text: 'x', fileIds: [] }))).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/^opening the conversation: the OpenAI API refused the API key \(401\)/) });
    const stateDir = mkdtempSync(join(tmpdir(), 'snapask-rtm-'));
    await new JsonStateFile<ResponsesSession>(join(stateDir, 'session.json')).write({ conversationId: 'conv_gone' });
    const gone = collect(manager(fake, { stateDir }).ask({ text: 'x', fileIds: [] }));
    await expect(gone).rejects.toThrow(/not found \(404\)/);
    await expect(gone).rejects.not.toThrow(/Assistants/);
    fake.inject({ operation: 'POST /responses', outcome: 'incomplete' });
    await expect(collect(manager(fake).ask({ text: 'x', fileIds: [] }))).rejects.toMatchObject({ kind: 'failed', message: expect.stringMatching(/cut short \(max_output_tokens\)/) });
    fake.inject({ operation: 'POST /responses', outcome: 'error-event' });
    await expect(collect(manager(fake).ask({ text: 'x', fileIds: [] }))).rejects.toMatchObject({ kind: 'retry' });
  });

  it('reset starts a new conversation; deleteFile removes the upload (and a second delete is fine)', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'snapask-rtm-'));
    const tm = manager(fake, { stateDir });
    await collect(tm.ask({ text: 'one', fileIds: [] }));
    await tm.reset();
    await collect(tm.ask({ text: 'two', fileIds: [] }));
    const [a, b] = bodiesOf(fake, 'POST /responses');
    expect(a!.conversation).not.toBe(b!.conversation);
    const img = await tm.uploadImage(mjpegFrames(1, '64x48'), 'x.jpg');
    await tm.deleteFile(img.fileId);
    expect(fake.files.has(img.fileId)).toBe(false);
    await tm.deleteFile(img.fileId);
  });
});
