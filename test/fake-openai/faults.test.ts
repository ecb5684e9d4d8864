import OpenAI from 'openai';
import { startFakeOpenAI, type FakeOpenAI } from './server';

describe('fake OpenAI: fault injection', () => {
  let fake: FakeOpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake.close();
  });

  function requestsFor(operation: string): number {
    return fake.requests.filter((r) => r.operation === operation).length;
  }

  async function threadWithQuestion(client: OpenAI, question: string): Promise<{ threadId: string; assistantId: string }> {
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o' });
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: question }] });
    return { threadId: thread.id, assistantId: assistant.id };
  }

  test('429 with retry-after: the client waits that long, retries, and succeeds', async () => {
    const client = new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 2 });
    fake.inject({ operation: 'POST /threads', status: 429, headers: { 'retry-after': '0.3' } });
    const before = fake.requests.length;

    const thread = await client.beta.threads.create();

    const attempts = fake.requests.slice(before).filter((r) => r.operation === 'POST /threads');
    expect(thread.id).toMatch(/^thread_/);
    expect(attempts).toHaveLength(2);
    const gap = (attempts[1]?.receivedAt ?? 0) - (attempts[0]?.receivedAt ?? 0);
    expect(gap).toBeGreaterThanOrEqual(0.28);
    expect(gap).toBeLessThan(2);
  });

  test('injected 401 reaches the client as AuthenticationError and is not retried; `times` bounds the fault', async () => {
    const client = new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 2 });
    fake.inject({ operation: /^GET \/files$/, status: 401, times: 2 });
    const before = requestsFor('GET /files');

    await expect(client.files.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(client.files.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    await expect(client.files.list()).resolves.toBeDefined();
    expect(requestsFor('GET /files') - before).toBe(3);
  });

  test('reset mid-stream: the client gets some text deltas, then a connection error', async () => {
    const client = new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });
    const { threadId, assistantId } = await threadWithQuestion(client, 'What is in the fridge?');
    fake.inject({ operation: 'POST /threads/{thread_id}/runs', resetMidStream: true });

    const deltas: string[] = [];
    const stream = client.beta.threads.runs.stream(threadId, { assistant_id: assistantId });
    stream.on('textDelta', (d) => deltas.push(d.value ?? ''));
    const outcome = await stream.finalRun().then(
      () => 'completed',
      (e: unknown) => (e as Error).constructor.name,
    );

    expect(outcome).not.toBe('completed');
    expect(deltas.length).toBe(2);
    expect('You asked: "What is in the fridge?"'.startsWith(deltas.join(''))).toBe(true);
    // The run still finished server-side, as the real service does when a client drops.
    const runs = fake.requests.filter((r) => r.operation === 'POST /threads/{thread_id}/runs');
    expect(runs.length).toBeGreaterThan(0);
    const messages = await client.beta.threads.messages.list(threadId);
    expect(messages.data[0]?.role).toBe('assistant');
  });

  test('stall mid-stream: events stop arriving but the connection stays open', async () => {
    const client = new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });
    const { threadId, assistantId } = await threadWithQuestion(client, 'Is the door locked?');
    fake.inject({ operation: 'POST /threads/{thread_id}/runs', stallMidStream: true, afterEvents: 3 });

    const events: string[] = [];
    const controller = new AbortController();
    const stream = client.beta.threads.runs.stream(threadId, { assistant_id: assistantId }, { signal: controller.signal });
    stream.on('event', (e) => events.push(e.event));
    const finished = stream.finalRun().then(
      () => 'completed',
      () => 'failed',
    );
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 400));

    expect(await Promise.race([finished, timeout])).toBe('still waiting');
    expect(events).toEqual(['thread.run.created', 'thread.run.queued', 'thread.run.in_progress']);
    controller.abort();
    expect(await finished).toBe('failed');
  });

  test('delayMs alone slows a normal answer down', async () => {
    const client = new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });
    fake.inject({ operation: 'GET /files', delayMs: 250 });
    const t0 = process.hrtime.bigint();
    await client.files.list();
    const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(elapsedMs).toBeGreaterThanOrEqual(240);
  });

  test('faults on streaming endpoints with a status answer with an error instead of a stream', async () => {
    const client = new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });
    const { threadId, assistantId } = await threadWithQuestion(client, 'anything');
    fake.inject({ operation: 'POST /threads/{thread_id}/runs', status: 500 });
    await expect(client.beta.threads.runs.stream(threadId, { assistant_id: assistantId }).finalRun()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect(fake.violations).toEqual([]);
  });
});
