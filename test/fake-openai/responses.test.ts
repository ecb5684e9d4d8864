import OpenAI, { toFile } from 'openai';
import { makeJpeg, sha256 } from './test-helpers';
import { startFakeOpenAI, type FakeOpenAI } from './server';

const zapierTool = {
  type: 'function' as const,
  name: 'zapier',
  description: 'Ask Zapier to do something',
  parameters: { type: 'object', properties: { instruction: { type: 'string' } }, required: ['instruction'], additionalProperties: false },
  strict: true,
};

describe('fake OpenAI: Conversations + Responses through the real openai client', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;
  const jpeg = makeJpeg(64, 48);

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    client = new OpenAI({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(async () => {
    await fake.close();
  });

  async function ask(conversation: string, fileId: string, question: string): Promise<{ types: string[]; text: string; call?: { call_id: string; name: string; arguments: string } }> {
    const stream = await client.responses.create({
      model: 'gpt-4o',
      conversation,
      input: [{ role: 'user', content: [{ type: 'input_text', text: question }, { type: 'input_image', file_id: fileId, detail: 'high' }] }],
      tools: [zapierTool],
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    let call: { call_id: string; name: string; arguments: string } | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.output_item.done' && event.item.type === 'function_call') call = event.item;
    }
    return call ? { types, text, call } : { types, text };
  }

  test('a question with an image streams the documented event sequence and describes the image', async () => {
    const file = await client.files.create({ file: await toFile(jpeg, 'snap.jpg', { type: 'image/jpeg' }), purpose: 'vision' });
    const conversation = await client.conversations.create({});
    const { types, text } = await ask(conversation.id, file.id, 'What colour is the cup?');

    expect(types[0]).toBe('response.created');
    expect(types[1]).toBe('response.in_progress');
    expect(types.filter((t) => t === 'response.output_text.delta').length).toBeGreaterThan(3);
    expect(types.slice(2, 4)).toEqual(['response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-5)).toEqual(['response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    expect(text).toBe(`You asked: "What colour is the cup?". I received 1 image. Image 1: ${jpeg.length} bytes, sha256 ${sha256(jpeg)}, 64x48 pixels.`);
    expect(fake.violations).toEqual([]);
  });

  test('zapier: a function_call item, then the function_call_output in the next request yields the final answer', async () => {
    const file = await client.files.create({ file: await toFile(jpeg, 'snap.jpg', { type: 'image/jpeg' }), purpose: 'vision' });
    const conversation = await client.conversations.create({ metadata: { device: 'test' } });
    const first = await ask(conversation.id, file.id, 'Please ask zapier to add this to my shopping list');

    expect(first.text).toBe('');
    expect(first.types).toContain('response.function_call_arguments.delta');
    expect(first.types).toContain('response.function_call_arguments.done');
    expect(first.call?.name).toBe('zapier');
    expect(JSON.parse(first.call?.arguments ?? '{}')).toEqual({ instruction: 'Please ask zapier to add this to my shopping list' });

    const toolOutput = `Added item #${Math.floor(Math.random() * 1000)}`;
    // The SDK's higher-level stream helper validates event order; using it here proves the double's order is acceptable.
    const second = client.responses.stream({
      model: 'gpt-4o',
      conversation: conversation.id,
      input: [{ type: 'function_call_output', call_id: first.call?.call_id ?? '', output: toolOutput }],
      tools: [zapierTool],
    });
    const final = await second.finalResponse();
    expect(final.output_text).toContain(`Zapier said: ${toolOutput}.`);
    expect(final.output_text).toContain(`sha256 ${sha256(jpeg)}, 64x48 pixels`);

    const body = fake.requests.filter((r) => r.operation === 'POST /responses').pop()?.body;
    expect(body).toMatchObject({ conversation: conversation.id, input: [{ type: 'function_call_output', call_id: first.call?.call_id }] });
    expect(fake.violations).toEqual([]);
  });

  test('a conversation can be fetched and deleted; a deleted one is 404', async () => {
    const conversation = await client.conversations.create({});
    expect((await client.conversations.retrieve(conversation.id)).id).toBe(conversation.id);
    expect(await client.conversations.delete(conversation.id)).toMatchObject({ id: conversation.id, deleted: true });
    await expect(client.conversations.retrieve(conversation.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(
      client.responses.create({ model: 'gpt-4o', conversation: conversation.id, input: 'hello' }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  test('non-streaming responses answer in one JSON object; an unknown image file id is a 400', async () => {
    const response = await client.responses.create({ model: 'gpt-4o', input: 'Is anyone there?' });
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('You asked: "Is anyone there?". I received 0 images.');
    await expect(
      client.responses.create({ model: 'gpt-4o', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-missing', detail: 'auto' }] }] }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    expect(fake.violations).toEqual([]);
  });
});
