import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAssistantSide } from '../../src/app/thread-manager-factory';
import { DEFAULT_CONFIG, spokenCommands } from '../../src/config/config';
import { LogIndicator } from '../../src/indicator/indicator';
import { commandRules, spottedWords } from '../../src/recognition/command-words';
import { createLogger } from '../../src/log';
import type { Speaker } from '../../src/speech/speaker';
import { confirmationPrompt } from '../../src/turn/confirmation-gate';
import type { TurnEvent } from '../../src/turn/turn-events';
import { TurnLogic } from '../../src/turn/turn-logic';
import { startFakeOpenAI } from '../fake-openai/server';

/** The turn logic with confirmation on, a real catch hook on loopback, and the test double. */
async function setup() {
  const fake = await startFakeOpenAI();
  const hits: string[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push(body);
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const config = structuredClone(DEFAULT_CONFIG);
  config.openai.baseURL = fake.url;
  config.stateDir = mkdtempSync(join(tmpdir(), 'snapask-confirm-'));
  config.zapier.confirm = 'always';
  config.zapier.confirmTimeoutMs = 3000;
  const events: TurnEvent[] = [];
  const said: string[] = [];
  const speaker: Speaker = { async speak(s) { let n = 0; for await (const x of s) { said.push(x); n++; } return { sentences: n }; } };
  const log = createLogger({ level: 'silent' });
  const indicator = new LogIndicator(log);
  const side = createAssistantSide(config, { zapierHookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/catch/1/x/` }, log, { speaker, indicator, emit: (e) => events.push(e) });
  const turn = new TurnLogic({ commands: config.commands, ...side, indicator, log, emit: (e) => events.push(e) });
  const ask = (text: string) => {
    // Spoken right up to "reply": a pause longer than question.maxPauseSeconds before it would leave no question.
    const from = 9.7 - text.split(' ').length * 0.3;
    const words = text.split(' ').map((word, i) => ({ word, start: from + i * 0.3, end: from + i * 0.3 + 0.25 }));
    turn.onRecognition({ type: 'transcript', text, words, start: from, end: 10 });
    turn.onRecognition({ type: 'keyword', word: 'reply', role: 'reply', start: 10, end: 10.4, detectedAt: 10.6 });
  };
  const until = async (pred: () => boolean) => {
    for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
  };
  const close = async () => {
    await side.sender.stop();
    hook.close();
    await fake.close();
  };
  return { config, turn, events, said, hits, ask, until, close, fake };
}

describe('the spoken confirmation before an action', () => {
  it('listens for "confirm" only when confirmation is on', () => {
    const config = structuredClone(DEFAULT_CONFIG);
    expect(spottedWords(commandRules(spokenCommands(config)))).toEqual(['snapshot', 'reply', 'cancel', 'stop']);
    config.zapier.confirm = 'always';
    expect(spottedWords(commandRules(spokenCommands(config)))).toEqual(['snapshot', 'reply', 'cancel', 'stop', 'confirm']);
    config.commands.confirm = 'reply';
    expect(() => commandRules(spokenCommands(config))).toThrow(/commands\.confirm and commands\.reply are the same word "reply"/);
  });

  it('says what it is about to do, and runs it when "confirm" is heard', async () => {
    const s = await setup();
    try {
      s.ask('please use zapier to order more coffee');
      await s.until(() => s.events.some((e) => e.event === 'confirm-request'));
      expect(s.said.join(' ')).toContain('I am about to run the zapier action: please use zapier to order more coffee. Say confirm to go ahead.');
      expect(s.hits).toHaveLength(0);
      s.turn.onRecognition({ type: 'keyword', word: 'confirm', role: 'confirm', start: 20, end: 20.4, detectedAt: 20.6 });
      await s.until(() => s.events.some((e) => e.event === 'reply'));
      expect(s.hits).toHaveLength(1);
      expect(s.events).toContainEqual({ event: 'confirm', name: 'zapier', decision: 'confirmed' });
      expect(String((s.events.find((e) => e.event === 'reply') as { text: string }).text)).toMatch(/Zapier received the request/);
      expect(s.fake.violations).toEqual([]);
    } finally {
      await s.close();
    }
  }, 30_000);

  it('without the word in time, nothing is sent to Zapier and the model is told', async () => {
    const s = await setup();
    try {
      s.ask('use zapier to text my boss that I quit');
      await s.until(() => s.events.some((e) => e.event === 'reply'));
      expect(s.hits).toHaveLength(0);
      expect(s.events).toContainEqual({ event: 'confirm', name: 'zapier', decision: 'timed-out' });
      expect(String((s.events.find((e) => e.event === 'tool') as { output: string }).output)).toMatch(/did not confirm/);
    } finally {
      await s.close();
    }
  }, 30_000);

  it('reads the arguments in plain words, and unreadable ones as they are', () => {
    expect(confirmationPrompt({ name: 'zapier', arguments: '{"instruction":"email Anna.","subject":"hi"}' }, 'confirm')).toBe('I am about to run the zapier action: email Anna. hi. Say confirm to go ahead.');
    expect(confirmationPrompt({ name: 'zapier', arguments: '{oops' }, 'yes')).toBe('I am about to run the zapier action: {oops. Say yes to go ahead.');
  });
});
