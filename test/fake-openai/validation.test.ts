import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI from 'openai';
import { loadContract } from './contract';
import { defaultSpecPath, REPO_ROOT } from './spec';
import { makeJpeg, rawJson } from './test-helpers';
import { startFakeOpenAI, type FakeOpenAI } from './server';

describe('fake OpenAI: every request is checked against openapi.yaml', () => {
  let fake: FakeOpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.violations.length = 0;
  });

  test('the spec path resolves from the compiled output and the parsed spec is cached under build/', () => {
    expect(defaultSpecPath()).toBe(process.env.SNAPASK_OPENAPI ? path.resolve(process.env.SNAPASK_OPENAPI) : path.resolve(REPO_ROOT, '../shared/openai/openapi.yaml'));
    expect(fs.existsSync(defaultSpecPath())).toBe(true);
    const cached = fs.readdirSync(path.join(REPO_ROOT, 'build')).filter((f) => /^openapi\.[0-9a-f]{16}\.json$/.test(f));
    expect(cached.length).toBeGreaterThan(0);
  });

  test('an image_file part without file_id gets 400 naming the operation and the schema path, and is recorded', async () => {
    const thread = await rawJson(`${fake.url}/threads`, 'POST', {});
    const threadId = (thread.json as { id: string }).id;
    const res = await rawJson(`${fake.url}/threads/${threadId}/messages`, 'POST', {
      role: 'user',
      content: [{ type: 'text', text: 'what is this?' }, { type: 'image_file', image_file: {} }],
    });

    expect(res.status).toBe(400);
    const error = (res.json as { error: { message: string; type: string; param: unknown; code: string } }).error;
    expect(error).toMatchObject({ type: 'invalid_request_error', param: null, code: 'schema_violation' });
    expect(error.message).toBe(
      "POST /threads/{thread_id}/messages: /content/1/image_file must have required property 'file_id' (#/components/schemas/MessageContentImageFileObject/properties/image_file/required)",
    );
    expect(fake.violations).toEqual([error.message]);
    expect(fake.requests[fake.requests.length - 1]).toMatchObject({ operation: 'POST /threads/{thread_id}/messages', path: `/threads/${threadId}/messages` });
  });

  test('a part whose type matches no variant is reported as a wrong type, not as a pile of oneOf failures', async () => {
    const thread = await rawJson(`${fake.url}/threads`, 'POST', {});
    const res = await rawJson(`${fake.url}/threads/${(thread.json as { id: string }).id}/messages`, 'POST', {
      role: 'user',
      content: [{ type: 'image', image_file: { file_id: 'file-1' } }],
    });
    expect(res.status).toBe(400);
    expect(fake.violations[0]).toMatch(/\/content\/0\/type must be one of "image_file", "image_url", "text"/);
  });

  test('Responses: input_image without detail and a function tool without strict are both spec violations', async () => {
    const noDetail = await rawJson(`${fake.url}/responses`, 'POST', {
      model: 'gpt-4o',
      input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-x' }] }],
    });
    expect(noDetail.status).toBe(400);
    expect(fake.violations[0]).toContain("POST /responses: /input/0/content/0 must have required property 'detail' (#/components/schemas/InputImageContent/required)");

    const noStrict = await rawJson(`${fake.url}/responses`, 'POST', { model: 'gpt-4o', input: 'hi', tools: [{ type: 'function', name: 'zapier', parameters: {} }] });
    expect(noStrict.status).toBe(400);
    expect(fake.violations[1]).toContain("/tools/0 must have required property 'strict' (#/components/schemas/FunctionTool/required)");
  });

  test('multipart uploads are validated too: a purpose outside the enum is refused', async () => {
    const form = new FormData();
    form.append('purpose', 'pictures');
    form.append('file', new Blob([makeJpeg()], { type: 'image/jpeg' }), 'a.jpg');
    const res = await fetch(`${fake.url}/files`, { method: 'POST', headers: { authorization: 'Bearer test' }, body: form });
    expect(res.status).toBe(400);
    expect(fake.violations[0]).toMatch(/^POST \/files: \/purpose must be equal to one of the allowed values: .*"vision"/);

    const textInsteadOfFile = new FormData();
    textInsteadOfFile.append('purpose', 'vision');
    textInsteadOfFile.append('file', 'not a file');
    const res2 = await fetch(`${fake.url}/files`, { method: 'POST', headers: { authorization: 'Bearer test' }, body: textInsteadOfFile });
    expect(res2.status).toBe(400);
    expect(fake.violations[1]).toContain('/file must match format "binary"');
  });

  test('requests without a bearer token get 401 in OpenAI error shape', async () => {
    const client = new OpenAI({ baseURL: fake.url, apiKey: 'x', maxRetries: 0, defaultHeaders: { Authorization: null } });
    const err = await client.files.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    const raw = await fetch(`${fake.url}/files`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ error: { type: 'invalid_request_error', param: null } });
  });

  test('paths that are not in the spec are 404 and count as violations', async () => {
    const res = await rawJson(`${fake.url}/threads/t/messages/m/reactions`, 'POST', {});
    expect(res.status).toBe(404);
    expect(fake.violations).toEqual(['POST /threads/t/messages/m/reactions: no such operation in the spec']);
  });

  test('query parameters are checked against their schemas', async () => {
    const res = await rawJson(`${fake.url}/files?limit=lots`, 'GET');
    expect(res.status).toBe(400);
    expect(fake.violations[0]).toMatch(/^GET \/files: query parameter 'limit' must be integer/);
    const ok = await rawJson(`${fake.url}/files?limit=5&order=asc`, 'GET');
    expect(ok.status).toBe(200);
  });
});

describe('the contract itself', () => {
  const { validator } = loadContract();
  const runObject = {
    id: 'run_1', object: 'thread.run', created_at: 1, thread_id: 't', assistant_id: 'a', status: 'completed', required_action: null, last_error: null,
    expires_at: null, started_at: 1, cancelled_at: null, failed_at: null, completed_at: 2, incomplete_details: null, model: 'gpt-4o', instructions: '',
    tools: [], metadata: {}, usage: null, temperature: 1, top_p: 1, max_prompt_tokens: null, max_completion_tokens: null,
    truncation_strategy: null, tool_choice: null, parallel_tool_calls: true, response_format: null,
  };

  test('OpenAPI 3.0 `nullable` in the 3.1 file is honoured: RunObject takes null where the authors meant it', () => {
    expect(validator.check('#/components/schemas/RunObject', runObject)).toBeUndefined();
    expect(validator.check('#/components/schemas/RunObject', { ...runObject, required_action: 'none' })).toMatch(/^\/required_action must be object/);
  });

  test('stream events are checked per variant and a malformed one is caught', () => {
    const union = '#/components/schemas/AssistantStreamEvent';
    expect(validator.checkVariant(union, 'event', 'thread.run.completed', { event: 'thread.run.completed', data: runObject })).toBeUndefined();
    const badDelta = { id: 'msg_1', object: 'thread.message.delta', delta: { content: [{ index: 0, type: 'text', text: { value: 42 } }] } };
    expect(validator.checkVariant(union, 'event', 'thread.message.delta', { event: 'thread.message.delta', data: badDelta })).toMatch(/\/data\/delta\/content\/0\/text\/value must be string/);
    expect(validator.checkVariant(union, 'event', 'thread.run.teleported', { event: 'thread.run.teleported', data: {} })).toMatch(/no variant/);
    expect(validator.checkVariant('#/components/schemas/ResponseStreamEvent', 'type', 'response.output_text.delta', {
      type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'hi', sequence_number: 3,
    })).toMatch(/must have required property 'logprobs'/);
  });
});
