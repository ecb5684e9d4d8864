import OpenAI, { toFile } from 'openai';
import { makeJpeg, sha256 } from './test-helpers';
import { isVisionToolName } from './model';
import { startFakeOpenAI, type FakeOpenAI } from './server';

const zapierTool = {
  type: 'function' as const,
  function: {
    name: 'zapier',
    description: 'Ask Zapier to do something',
    parameters: { type: 'object', properties: { instruction: { type: 'string' } }, required: ['instruction'] },
  },
};

describe('fake OpenAI: Assistants API through the real openai client', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;
  const jpeg = makeJpeg(64, 48);

  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    client = new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });
  });

  async function uploadAndAsk(question: string): Promise<{ threadId: string; assistantId: string; fileId: string }> {
    const file = await client.files.create({ file: await toFile(jpeg, 'snapshot.jpg', { type: 'image/jpeg' }), purpose: 'vision' });
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o', name: 'snapask', instructions: 'Answer briefly.', tools: [zapierTool] });
    const thread = await client.beta.threads.create();
    await client.beta.threads.messages.create(thread.id, {
      role: 'user',
      content: [
        { type: 'text', text: question },
        { type: 'image_file', image_file: { file_id: file.id, detail: 'high' } },
      ],
    });
    return { threadId: thread.id, assistantId: assistant.id, fileId: file.id };
  }

  test('streams an answer that describes the uploaded image, in several deltas', async () => {
    const { threadId, assistantId, fileId } = await uploadAndAsk('What is on the table?');

    const upload = fake.requests.find((r) => r.operation === 'POST /files');
    expect(upload?.body).toMatchObject({ purpose: 'vision', file: { name: 'snapshot.jpg', bytes: jpeg.length, sha256: sha256(jpeg) } });
    expect(fake.files.get(fileId)?.bytes.equals(jpeg)).toBe(true);

    const deltas: string[] = [];
    const stream = client.beta.threads.runs.stream(threadId, { assistant_id: assistantId });
    stream.on('textDelta', (d) => deltas.push(d.value ?? ''));
    const run = await stream.finalRun();
    const text = deltas.join('');

    expect(run.status).toBe('completed');
    expect(deltas.length).toBeGreaterThan(3);
    expect(text).toContain('You asked: "What is on the table?"');
    expect(text).toContain('I received 1 image.');
    expect(text).toContain(`${jpeg.length} bytes, sha256 ${sha256(jpeg)}, 64x48 pixels.`);

    // The stored assistant message and the streamed text agree.
    const list = await client.beta.threads.messages.list(threadId);
    const answer = list.data.find((m) => m.role === 'assistant');
    expect(answer?.content[0]).toMatchObject({ type: 'text', text: { value: text } });
    expect(fake.violations).toEqual([]);
  });

  test('zapier: the run stops in requires_action, then answers with the tool output', async () => {
    const { threadId, assistantId } = await uploadAndAsk('Ask Zapier to email this picture to Sam');

    const first = client.beta.threads.runs.stream(threadId, { assistant_id: assistantId });
    const paused = await first.finalRun();
    expect(paused.status).toBe('requires_action');
    const calls = paused.required_action?.submit_tool_outputs.tool_calls ?? [];
    expect(calls).toHaveLength(1);
    expect(calls[0]?.function.name).toBe('zapier');
    expect(JSON.parse(calls[0]?.function.arguments ?? '{}')).toEqual({ instruction: 'Ask Zapier to email this picture to Sam' });

    // While the run waits for tool output, the thread refuses new messages, as the real API does.
    await expect(client.beta.threads.messages.create(threadId, { role: 'user', content: 'hello?' })).rejects.toMatchObject({ status: 400 });

    const toolOutput = `Email sent at ${new Date().toISOString()}`;
    const second = client.beta.threads.runs.submitToolOutputsStream(paused.id, {
      thread_id: threadId,
      tool_outputs: [{ tool_call_id: calls[0]?.id ?? '', output: toolOutput }],
    });
    let text = '';
    second.on('textDelta', (d) => (text += d.value ?? ''));
    const done = await second.finalRun();

    expect(done.status).toBe('completed');
    expect(text).toContain(`Zapier said: ${toolOutput}.`);
    expect(text).toContain(`sha256 ${sha256(jpeg)}, 64x48 pixels`);
    const retrieved = await client.beta.threads.runs.retrieve(paused.id, { thread_id: threadId });
    expect(retrieved.status).toBe('completed');
    expect(fake.violations).toEqual([]);
  });

  test('without zapier among the tools, a zapier question is answered directly', async () => {
    const thread = await client.beta.threads.create();
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o', tools: [] });
    await client.beta.threads.messages.create(thread.id, { role: 'user', content: 'zapier, are you there?' });
    const run = await client.beta.threads.runs.create(thread.id, { assistant_id: assistant.id });
    expect(run.status).toBe('completed');
    const list = await client.beta.threads.messages.list(thread.id, { order: 'desc', limit: 1 });
    expect(list.data[0]?.content[0]).toMatchObject({ text: { value: 'You asked: "zapier, are you there?". I received 0 images.' } });
    expect(fake.violations).toEqual([]);
  });

  test('an image referenced by an unknown file id is refused with 400', async () => {
    const thread = await client.beta.threads.create();
    const err = await client.beta.threads.messages
      .create(thread.id, { role: 'user', content: [{ type: 'image_file', image_file: { file_id: 'file-doesnotexist' } }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('file-doesnotexist');
  });

  test('toolsSeen lists every function tool offered, so tests can check no vision tool was sent', async () => {
    await client.beta.assistants.create({ model: 'gpt-4o', tools: [zapierTool] });
    expect(fake.toolsSeen).toContain('zapier');
    expect(fake.toolsSeen.filter(isVisionToolName)).toEqual([]);
    await client.beta.assistants.create({ model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'describe_image' } }] });
    expect(fake.toolsSeen.filter(isVisionToolName)).toEqual(['describe_image']);
  });
});
