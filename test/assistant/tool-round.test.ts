import { DECLINED_OUTPUT } from '../../src/assistant/approval';
import type { AnswerEvent } from '../../src/assistant/thread-manager';
import { askApproval, runFunctionCall } from '../../src/assistant/tool-round';
import { ZapierHookTool } from '../../src/assistant/zapier-tool';
import { createLogger } from '../../src/log';
import { ConfirmationGate } from '../../src/turn/confirmation-gate';
import { startCatchHook } from '../support/catch-hook';

const log = createLogger({ level: 'silent' });
const CALL = { name: 'zapier', arguments: JSON.stringify({ instruction: 'email Anna the shopping list' }) };

/** Runs a generator to its end: what it yielded, and what it returned. */
async function drain<R>(gen: AsyncGenerator<AnswerEvent, R>): Promise<{ events: AnswerEvent[]; value: R }> {
  const events: AnswerEvent[] = [];
  for (;;) {
    const next = await gen.next();
    if (next.done) return { events, value: next.value };
    events.push(next.value);
  }
}

describe('one tool round, shared by both dialects', () => {
  let hook: Awaited<ReturnType<typeof startCatchHook>>;
  let hookUrl: string;
  let received: string[];
  beforeEach(async () => {
    hook = await startCatchHook();
    hookUrl = hook.url;
    received = hook.bodies;
  });
  afterEach(() => hook.close());

  it('without confirmation: runs the hook at once and returns its output, told to the user as a tool call', async () => {
    const { events, value } = await drain(runFunctionCall({ tool: new ZapierHookTool({ hookUrl }), log }, CALL));
    expect(value).toMatch(/^Zapier received the request/);
    expect(events).toEqual([{ type: 'tool-call', name: 'zapier', arguments: CALL.arguments, output: value }]);
    expect(received.map((b) => JSON.parse(b))).toEqual([{ instruction: 'email Anna the shopping list' }]);
  });

  it('with confirmation: asks first; a no runs nothing and tells the model so, a yes runs the hook', async () => {
    const gate = new ConfirmationGate('always', 10_000);
    const tool = new ZapierHookTool({ hookUrl });
    const declined = runFunctionCall({ tool, gate, log }, CALL);
    expect((await declined.next()).value).toEqual({ type: 'approval-needed', name: 'zapier', arguments: CALL.arguments });
    const rest = drain(declined);
    expect(gate.decline()).toBe(true);
    expect((await rest).value).toBe(DECLINED_OUTPUT);
    expect(received).toEqual([]);

    const confirmed = runFunctionCall({ tool, gate, log }, CALL);
    await confirmed.next();
    const done = drain(confirmed);
    expect(gate.confirm()).toBe(true);
    const { events, value } = await done;
    expect(value).toMatch(/^Zapier received the request/);
    expect(events.map((e) => e.type)).toEqual(['tool-call']);
    expect(received).toHaveLength(1);
  });

  it('with no function tool (MCP only): the call is answered with an error and the user is not asked', async () => {
    const gate = new ConfirmationGate('always', 10_000);
    const { events, value } = await drain(runFunctionCall({ gate, log }, CALL));
    expect(value).toBe('Error: there is no function named "zapier".');
    expect(events.map((e) => e.type)).toEqual(['tool-call']);
    expect(gate.waiting).toBe(false);
  });

  it('an approval on its own (MCP) is announced before the gate is asked, and returns its answer', async () => {
    const gate = new ConfirmationGate('always', 10_000);
    const asked = askApproval(gate, CALL);
    expect((await asked.next()).value).toEqual({ type: 'approval-needed', name: 'zapier', arguments: CALL.arguments });
    const answer = drain(asked);
    expect(gate.confirm()).toBe(true);
    expect(await answer).toEqual({ events: [], value: true });

    const unanswered = await drain(askApproval(new ConfirmationGate('always', 50), CALL));
    expect(unanswered.value).toBe(false);
  });
});
