import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOpenAI, type FakeOpenAI, type FaultSpec } from '../fake-openai/server';
import { mjpegFrames } from '../support/jpeg';
import { driverQuestion } from '../support/turn-driver';
import { eventsNamed, runDriver, type DriverRun } from '../support/turn-driver-run';

const dir = mkdtempSync(join(tmpdir(), 'snapask-faults-'));
const JPEG = join(dir, 'frame.jpg');
writeFileSync(JPEG, mjpegFrames(1, '640x480'));

type Api = 'responses' | 'assistants';
const ASK: Record<Api, string> = { responses: 'POST /responses', assistants: 'POST /threads/{thread_id}/messages' };
const ANSWER: Record<Api, string> = { responses: 'POST /responses', assistants: 'POST /threads/{thread_id}/runs' };

function spooled(state: string): string[] {
  try {
    return readdirSync(join(state, 'turns'));
  } catch {
    return [];
  }
}

async function drive(fake: FakeOpenAI, api: Api, extra: string[] = [], state = mkdtempSync(join(dir, 'state-'))): Promise<DriverRun & { state: string }> {
  const run = await runDriver(['--api-base', fake.url, '--api', api, '--state', state, '--jpeg', JPEG, ...extra], { timeoutMs: 45_000 });
  return { ...run, state };
}

/** How many times the question reached the thread or conversation. */
function timesAsked(fake: FakeOpenAI, k: number): number {
  return fake.questions.filter((q) => q === driverQuestion(k)).length;
}

describe.each(['responses', 'assistants'] as const)('faults against the test double (%s)', (api) => {
  let fake: FakeOpenAI;
  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });
  afterEach(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
  });

  test('a question with a snapshot: uploaded, asked once, answered, spool emptied', async () => {
    const run = await drive(fake, api);
    expect(run.code).toBe(0);
    const upload = eventsNamed(run, 'upload')[0]!;
    const message = eventsNamed(run, 'message')[0]!;
    expect(message.file_ids).toEqual([upload.file_id]);
    expect(String(eventsNamed(run, 'said')[0]!.text)).toContain('I received 1 image');
    expect(timesAsked(fake, 0)).toBe(1);
    expect(spooled(run.state)).toEqual([]);
  }, 60_000);

  test.each([401, 403])('%d: one clear error, the error light, no retry storm; the question is kept and sent once the key works', async (status) => {
    fake.inject({ operation: ASK[api], status });
    const first = await drive(fake, api, ['--until', 'settled']);
    const held = eventsNamed(first, 'held');
    expect(held).toHaveLength(1);
    expect(String(held[0]!.reason)).toMatch(status === 401 ? /refused the API key \(401\)/ : /forbids this \(403\)/);
    expect(Number(held[0]!.retry_in_s)).toBeGreaterThanOrEqual(600);
    expect(String(eventsNamed(first, 'said')[0]!.text)).toMatch(/refused the request.*question is kept/);
    expect(fake.requests.filter((r) => r.operation === ASK[api])).toHaveLength(1);
    expect(spooled(first.state)).toHaveLength(1);

    // Restarted with the key fixed: the kept question goes, once.
    const second = await drive(fake, api, ['--from', '1', '--to', '1'], first.state);
    expect(eventsNamed(second, 'message')).toHaveLength(1);
    expect(timesAsked(fake, 0)).toBe(1);
    expect(spooled(first.state)).toEqual([]);
  }, 90_000);

  test('429 with retry-after: waits that long, then asks once', async () => {
    fake.inject({ operation: ASK[api], status: 429, headers: { 'retry-after': '0.6' } });
    const run = await drive(fake, api);
    const held = eventsNamed(run, 'held');
    expect(held).toHaveLength(1);
    expect(Number(held[0]!.retry_in_s)).toBeGreaterThanOrEqual(0.6);
    const attempts = fake.requests.filter((r) => r.operation === ASK[api]);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.receivedAt - attempts[0]!.receivedAt).toBeGreaterThanOrEqual(0.55);
    expect(String(eventsNamed(run, 'said')[0]!.text)).toMatch(/cannot reach the assistant/);
    expect(timesAsked(fake, 0)).toBe(1);
    expect(eventsNamed(run, 'reply')).toHaveLength(1);
  }, 60_000);

  test.each([500, 502, 503])('%d on the answer: retried, the question is not asked twice', async (status) => {
    fake.inject({ operation: ANSWER[api], status, times: 2 });
    const run = await drive(fake, api);
    expect(eventsNamed(run, 'held').length).toBeGreaterThanOrEqual(1);
    expect(eventsNamed(run, 'reply')).toHaveLength(1);
    expect(timesAsked(fake, 0)).toBe(1);
  }, 60_000);

  test('a connection reset mid-stream: the rest of the answer is fetched, not asked again', async () => {
    fake.inject({ operation: ANSWER[api], resetMidStream: true });
    const run = await drive(fake, api);
    const reply = String(eventsNamed(run, 'reply')[0]!.text);
    expect(reply).toContain(`You asked: "${driverQuestion(0)}"`);
    expect(reply).toContain('I received 1 image');
    expect(timesAsked(fake, 0)).toBe(1);
    expect(fake.requests.filter((r) => r.operation === ANSWER[api])).toHaveLength(1);
  }, 60_000);

  test('a stream that stalls: given up after the idle limit and recovered from the server', async () => {
    fake.inject({ operation: ANSWER[api], stallMidStream: true });
    const run = await drive(fake, api);
    expect(String(eventsNamed(run, 'reply')[0]!.text)).toContain('I received 1 image');
    expect(timesAsked(fake, 0)).toBe(1);
  }, 60_000);

  const retryable = api === 'responses' ? (['failed', 'error-event'] as const) : (['failed', 'expired', 'error-event'] as const);
  test.each(retryable)('an answer that ends %s: answered again on the same question, never asked twice', async (outcome) => {
    fake.inject({ operation: ANSWER[api], outcome });
    const run = await drive(fake, api);
    expect(eventsNamed(run, 'held')).toHaveLength(1);
    expect(String(eventsNamed(run, 'reply')[0]!.text)).toContain(`You asked: "${driverQuestion(0)}"`);
    expect(timesAsked(fake, 0)).toBe(1);
  }, 60_000);

  const final = api === 'responses' ? (['incomplete'] as const) : (['incomplete', 'cancelled'] as const);
  test.each(final)('an answer that ends %s: the user hears it could not be answered, and the service goes on', async (outcome) => {
    fake.inject({ operation: ANSWER[api], outcome });
    const run = await runDriver(['--api-base', fake.url, '--api', api, '--state', mkdtempSync(join(dir, 'state-')), '--jpeg', JPEG, '--to', '2']);
    const errors = eventsNamed(run, 'error');
    expect(errors).toHaveLength(1);
    expect(String(errors[0]!.message)).toMatch(new RegExp(outcome === 'incomplete' ? 'cut short|ended incomplete' : 'ended cancelled'));
    expect(eventsNamed(run, 'said').map((e) => e.text)).toContain('Sorry, I could not get an answer to that question.');
    // The next question is answered as usual.
    expect(String(eventsNamed(run, 'reply').at(-1)!.text)).toContain(driverQuestion(1));
  }, 60_000);

  test('a slow upload: the question goes without it after the wait, and the answer says a picture is missing', async () => {
    fake.inject({ operation: 'POST /files', delayMs: 3000 });
    const run = await drive(fake, api, ['--upload-wait-ms', '300']);
    expect(eventsNamed(run, 'message')[0]!.file_ids).toEqual([]);
    expect(String(eventsNamed(run, 'said')[0]!.text)).toMatch(/^One picture could not be sent\./);
  }, 60_000);

  test('an upload that fails with 500 is retried with backoff', async () => {
    fake.inject({ operation: 'POST /files', status: 500, times: 2 });
    const run = await drive(fake, api);
    const upload = eventsNamed(run, 'upload')[0]!;
    expect(upload.attempts).toBe(3);
    expect(eventsNamed(run, 'message')[0]!.file_ids).toEqual([upload.file_id]);
  }, 60_000);
});

describe('network down at "reply"', () => {
  test('the question waits in the spool, the user hears it will be sent, and it goes when the API is back', async () => {
    // A port with nothing listening yet.
    const probe = await startFakeOpenAI();
    const port = probe.port;
    await probe.close();
    const state = mkdtempSync(join(dir, 'state-'));
    let fake: FakeOpenAI | undefined;
    const run = await runDriver(['--api-base', `http://127.0.0.1:${port}/v1`, '--state', state, '--jpeg', JPEG, '--upload-budget-ms', '200', '--upload-wait-ms', '200'], {
      timeoutMs: 45_000,
      onEvent: (e) => {
        if (e.event === 'held' && !fake) void startFakeOpenAI({ port }).then((f) => (fake = f));
      },
    });
    try {
      expect(String(eventsNamed(run, 'said')[0]!.text)).toMatch(/cannot reach the assistant right now\. Your question is kept/);
      const message = eventsNamed(run, 'message').at(-1)!;
      // The picture that could not go while the network was down went with the question.
      expect(message.file_ids).toHaveLength(1);
      expect(timesAsked(fake!, 0)).toBe(1);
      expect(spooled(state)).toEqual([]);
    } finally {
      await fake?.close();
    }
  }, 60_000);
});

describe.each(['responses', 'assistants'] as const)('kill -9 at every step of a turn, then a restart (%s)', (api) => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ eventDelayMs: 20 });
  });
  afterAll(async () => {
    expect(fake.violations).toEqual([]);
    await fake.close();
  });

  // Each step a power cut could fall on, from the picture to the end of the spoken answer.
  test.each(['queued', 'queued+5', 'message', 'message+150', 'reply', 'spoken', 'timings'])('killed at %s: asked exactly once and answered after the restart', async (step) => {
    const state = mkdtempSync(join(dir, 'state-'));
    const k = 2 * (fake.questions.length + 500); // even: question k takes a snapshot
    const killed = await runDriver(['--api-base', fake.url, '--api', api, '--state', state, '--jpeg', JPEG, '--from', String(k), '--to', String(k + 1), '--die-at', step]);
    expect(killed.signal).toBe('SIGKILL');
    // Every step here comes after "reply" is safe on disk.
    expect(eventsNamed(killed, 'queued')).toHaveLength(1);
    const restarted = await runDriver(['--api-base', fake.url, '--api', api, '--state', state, '--jpeg', JPEG, '--from', '0', '--to', '0']);
    expect(restarted.code).toBe(0);
    expect(timesAsked(fake, k)).toBe(1);
    const heard = [...eventsNamed(killed, 'reply'), ...eventsNamed(restarted, 'reply')].map((e) => String(e.text));
    expect(heard.some((t) => t.includes(`You asked: "${driverQuestion(k)}"`) && t.includes('I received 1 image'))).toBe(true);
    expect(spooled(state)).toEqual([]);
  }, 60_000);

  test('killed after the snapshot, before "reply": the picture and words are kept for the question that follows', async () => {
    const state = mkdtempSync(join(dir, 'state-'));
    const k = 2 * (fake.questions.length + 1000);
    const killed = await runDriver(['--api-base', fake.url, '--api', api, '--state', state, '--jpeg', JPEG, '--from', String(k), '--to', String(k + 1), '--open-last', '--die-at', 'upload+300']);
    expect(killed.signal).toBe('SIGKILL');
    const restarted = await runDriver(['--api-base', fake.url, '--api', api, '--state', state, '--jpeg', JPEG, '--from', String(k + 1), '--to', String(k + 2)]);
    expect(eventsNamed(restarted, 'restored')).toHaveLength(1);
    const message = eventsNamed(restarted, 'message')[0]!;
    expect(message.text).toBe(`${driverQuestion(k)} ${driverQuestion(k + 1)}`);
    expect(message.file_ids).toHaveLength(1);
  }, 60_000);
});
