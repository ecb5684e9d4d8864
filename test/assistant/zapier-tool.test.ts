import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ZapierHookTool } from '../../src/assistant/zapier-tool';

/** A local stand-in for a "Webhooks by Zapier" catch hook. */
function hook(handler: (req: IncomingMessage, body: string) => { status: number; delayMs?: number; headers?: Record<string, string> }): Promise<{ url: string; server: Server; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      const r = handler(req, body);
      setTimeout(() => res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers }).end('{"status":"success"}'), r.delayMs ?? 0);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/catch/1/abc/`, server, bodies })));
}

describe('ZapierHookTool', () => {
  it('posts the validated arguments and reports receipt, not an invented result', async () => {
    const h = await hook(() => ({ status: 200 }));
    try {
      const tool = new ZapierHookTool({ hookUrl: h.url });
      const out = await tool.run('zapier', JSON.stringify({ instruction: 'email Anna the shopping list', subject: 'shopping' }));
      expect(out).toMatch(/received the request/);
      expect(out).toMatch(/not the outcome/);
      expect(JSON.parse(h.bodies[0]!)).toEqual({ instruction: 'email Anna the shopping list', subject: 'shopping' });
    } finally {
      h.server.close();
    }
  });

  it('answers bad arguments, unknown functions, HTTP errors and timeouts with an error text and sends nothing bad', async () => {
    const h = await hook((_req, body) => (body.includes('slow') ? { status: 200, delayMs: 500 } : { status: 500 }));
    try {
      const tool = new ZapierHookTool({ hookUrl: h.url, timeoutMs: 100 });
      expect(await tool.run('vision', '{}')).toMatch(/no function named "vision"/);
      expect(await tool.run('zapier', '{not json')).toMatch(/not valid JSON/);
      expect(await tool.run('zapier', '{"subject":"x"}')).toMatch(/missing required argument "instruction"/);
      expect(await tool.run('zapier', '{"instruction":"x","extra":1}')).toMatch(/unknown argument "extra"/);
      expect(h.bodies).toHaveLength(0);
      // A generous per-attempt timeout: on a loaded machine a 500 must not turn into a timeout.
      const patient = new ZapierHookTool({ hookUrl: h.url, timeoutMs: 5000, budgetMs: 300, backoffMs: 50 });
      expect(await patient.run('zapier', '{"instruction":"fail"}')).toMatch(/HTTP 500/);
      expect(await tool.run('zapier', '{"instruction":"slow"}')).toMatch(/did not answer in time/);
    } finally {
      h.server.close();
    }
  });

  it('retries 429 (after its retry-after) and 5xx within the budget, then reports receipt', async () => {
    let n = 0;
    const times: number[] = [];
    const h = await hook(() => {
      times.push(performance.now());
      n++;
      return n === 1 ? { status: 429, headers: { 'retry-after': '0.3' } } : n === 2 ? { status: 503 } : { status: 200 };
    });
    try {
      const out = await new ZapierHookTool({ hookUrl: h.url, budgetMs: 5000, backoffMs: 50 }).run('zapier', '{"instruction":"x"}');
      expect(out).toMatch(/received the request/);
      expect(h.bodies).toHaveLength(3);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(280);
    } finally {
      h.server.close();
    }
  });

  it('stops retrying when the budget is spent, and never retries a timeout (the action may have run)', async () => {
    const failing = await hook((_req, body) => (body.includes('slow') ? { status: 200, delayMs: 400 } : { status: 502 }));
    try {
      const started = performance.now();
      const out = await new ZapierHookTool({ hookUrl: failing.url, budgetMs: 400, backoffMs: 100 }).run('zapier', '{"instruction":"x"}');
      expect(out).toMatch(/HTTP 502 after \d attempts/);
      expect(performance.now() - started).toBeLessThan(1500);
      const before = failing.bodies.length;
      expect(await new ZapierHookTool({ hookUrl: failing.url, timeoutMs: 100, budgetMs: 5000 }).run('zapier', '{"instruction":"slow"}')).toMatch(/may or may not have run/);
      expect(failing.bodies.length - before).toBe(1);
    } finally {
      failing.server.close();
    }
  });

  it('checks argument types from a configured schema', async () => {
    const tool = new ZapierHookTool({
      definition: { name: 'log_weight', description: 'log a weight', parameters: { type: 'object', properties: { kg: { type: 'number' }, note: { type: 'string' } }, required: ['kg'], additionalProperties: false } },
    });
    expect(await tool.run('log_weight', '{"kg":"heavy"}')).toMatch(/argument "kg" must be a number/);
    expect(await tool.run('zapier', '{"kg":1}')).toMatch(/only one is "log_weight"/);
  });

  it('says so when no hook is configured', async () => {
    expect(await new ZapierHookTool({}).run('zapier', '{"instruction":"x"}')).toMatch(/no Zapier hook is configured/);
  });
});
