import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav';
import { DEFAULT_CONFIG } from '../../src/config/config';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI } from '../fake-openai/server';
import { fakeEnv, fakeServiceEnv } from '../support/fake-bin';
import { fakePi4WithTestDouble } from '../support/fake-pi';
import { synthesise } from '../support/speech';
import { startService } from '../support/service-process';
import { PersonAtMicrophone, sleepUntil } from '../support/speaker-in-room';

const dir = mkdtempSync(join(tmpdir(), 'snapask-btn-'));

interface LogLine {
  msg: string;
  turn?: TurnEvent;
  button?: string;
}

/**
 * The service with GPIO on a fake Raspberry Pi 4 tree (header controller at
 * base 512): no "reply" is said; a long press drops the first words, a short
 * press sends the rest, and the LEDs follow.
 */
describe('snapask run with the button and LEDs on a fake sysfs tree', () => {
  const pi = fakePi4WithTestDouble();

  it('long press starts over, short press ends the question like "reply"; the LEDs show listening, recording, thinking, speaking', async () => {
    const speech = await synthesise(
      [{ silence: 0.5 }, { text: 'tell me more about it' }, { silence: 2.5 }, { text: 'what is on the table' }, { silence: 4 }],
      { engine: 'flite', voice: 'kal' },
    );
    writeFileSync(join(dir, 'q.wav'), speech.wav);
    const { fake, sysfs } = pi;
    const { leds } = DEFAULT_CONFIG.gpio;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({
      openai: { baseURL: fake.url },
      recogniser: { engine: 'pocketsphinx' },
      camera: { kind: 'none' },
      stateDir: join(dir, 'state'),
      gpio: { enabled: true, sysfsRoot: sysfs.root, longPressMs: 1000 },
    }));
    const person = new PersonAtMicrophone(join(dir, 'hold'), join(dir, 'arecord.log'));
    const svc = startService<LogLine>(join(dir, 'config.json'), fakeServiceEnv({ FAKE_ARECORD_WAV: join(dir, 'q.wav'), ...person.env, FAKE_APLAY_DIR: join(dir, 'played') }));
    const lines = svc.lines;
    // The LEDs as a sequence of what was lit, sampled every few milliseconds.
    const shown: string[] = [];
    const sampler = setInterval(() => {
      try {
        const lit = pi.lit();
        if (shown[shown.length - 1] !== lit) shown.push(lit);
      } catch {
        // Not exported yet.
      }
    }, 3);
    try {
      await svc.until((l) => l.some((x) => x.msg === 'listening'), 30_000);
      const micStart = await person.speak();
      const [first, question] = speech.words;
      // Long press in the pause after the first words.
      await sleepUntil(micStart + first!.end + 0.8);
      pi.button('0');
      await new Promise((r) => setTimeout(r, 1300));
      pi.button('1');
      // Short press once the question has been said.
      await sleepUntil(micStart + question!.end + 1.0);
      // Held 400 ms: a short press, and long enough to be seen when the recogniser holds the event loop on a loaded machine.
      pi.button('0');
      await new Promise((r) => setTimeout(r, 400));
      pi.button('1');

      await svc.until((l) => l.some((x) => x.turn?.event === 'spoken' || x.turn?.event === 'error'), 30_000);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      clearInterval(sampler);
      await svc.stop();
    }

    expect(lines.filter((l) => l.button).map((l) => l.button)).toEqual(['long', 'short']);
    // The long press opened a new conversation before the question went.
    const msgs = lines.map((l) => l.msg);
    expect(msgs.indexOf('new conversation')).toBeGreaterThan(msgs.indexOf('button: long press'));
    expect(msgs.indexOf('new conversation')).toBeLessThan(msgs.indexOf('button: short press'));
    const turns = lines.filter((l) => l.turn).map((l) => l.turn!);
    expect(turns.filter((t) => t.event === 'error')).toEqual([]);
    const messages = turns.filter((t): t is Extract<TurnEvent, { event: 'message' }> => t.event === 'message');
    expect(messages).toHaveLength(1);
    // The question's words (PocketSphinx on flite hears most of them), none of those before the long press.
    const words = messages[0]!.text.split(' ');
    expect(['what', 'is', 'on', 'the', 'table'].filter((w) => words.includes(w)).length).toBeGreaterThanOrEqual(3);
    expect(words.filter((w) => ['tell', 'me', 'more', 'about'].includes(w))).toEqual([]);
    expect(turns.some((t) => t.event === 'spoken')).toBe(true);
    expect(fake.violations).toEqual([]);

    // The LEDs went through the turn in order (other states may come between).
    const order = ['listening', 'recording', 'listening', 'recording', 'thinking', 'speaking', 'listening'];
    let i = 0;
    for (const s of shown) if (s === order[i]) i++;
    expect({ shown, reached: i }).toEqual({ shown, reached: order.length });
    // Stopped, the service leaves the LEDs dark (written 0, then unexported).
    const litAfter = Object.values(leds).filter((pin) => sysfs.exported(pi.line(pin!)) && sysfs.value(pi.line(pin!)) !== '0');
    expect(litAfter).toEqual([]);
  }, 90_000);
});

describe('snapask run with GPIO enabled where there is none', () => {
  it('says so in one line and reports the states in the log instead', async () => {
    const fake = await startFakeOpenAI();
    try {
      writeFileSync(join(dir, 'quiet.wav'), encodeWav(Buffer.alloc(16000 * 2), 16000));
      writeFileSync(join(dir, 'nogpio.json'), JSON.stringify({
        openai: { baseURL: fake.url }, recogniser: { engine: 'pocketsphinx' }, camera: { kind: 'none' }, stateDir: join(dir, 'state3'),
        gpio: { enabled: true, sysfsRoot: join(dir, 'no-such-sys/class/gpio') },
      }));
      const env = fakeEnv({ FAKE_ARECORD_WAV: join(dir, 'quiet.wav') });
      delete env.NOTIFY_SOCKET;
      const svc = startService<{ msg: string; err?: string; indicator?: string }>(join(dir, 'nogpio.json'), env);
      await svc.until((l) => l.some((x) => x.indicator === 'listening'), 20_000).finally(() => svc.stop());
      const lines = svc.lines;
      const gpio = lines.filter((l) => /GPIO|LEDs/.test(l.msg));
      expect(gpio).toEqual([expect.objectContaining({ msg: 'status LEDs and button not available: states go to the log' })]);
      expect(gpio[0]!.err).toMatch(/^sysfs GPIO is not available: .*no-such-sys\/class\/gpio\/export does not exist/);
      expect(lines.filter((l) => l.indicator).map((l) => l.indicator)).toContain('listening');
    } finally {
      await fake.close();
    }
  }, 30_000);
});
