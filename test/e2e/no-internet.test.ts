import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { fakeEnv, playedAfterReady } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { startService } from '../support/service-process';
import { synthesise } from '../support/speech';

interface LogLine {
  msg: string;
  turn?: TurnEvent;
}

const NO_INTERNET = /^I cannot reach the internet: cannot reach the OpenAI API at \S+ \(ECONNREFUSED\); check the network cable or Wi-Fi/;

describe('snapask run: no network at start is no crash', () => {
  let fake: FakeOpenAI | undefined;
  afterAll(() => fake?.close());

  it('says once that it cannot reach the internet, keeps the question, and sends it when the API answers again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-offline-'));
    // A port nothing listens on yet: the API's address, refused until the test double starts there.
    const probe = await startFakeOpenAI();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    // The question after the service's "I cannot reach the internet." (and its ready cue): said over it, "reply" would be
    // dropped (while it speaks only "stop" counts), on a loaded machine sometimes.
    const speech = await synthesise([{ silence: 3.5 }, { text: 'is it red' }, { silence: 0.8 }, { text: 'reply' }, { silence: 1.5 }], { engine: 'flite', voice: 'kal' });
    writeFileSync(join(dir, 'q.wav'), speech.wav);
    writeServiceConfig(dir, { apiBase: `http://127.0.0.1:${port}/v1`, frames: 30, size: '320x240', fps: 15, camera: { kind: 'none' } });
    const env = fakeEnv({ FAKE_ARECORD_WAV: join(dir, 'q.wav'), FAKE_APLAY_DIR: join(dir, 'played') });
    const s = startService<LogLine>(join(dir, 'config.json'), env);
    try {
      await s.until((l) => l.some((x) => x.turn?.event === 'held') && l.some((x) => NO_INTERNET.test(x.msg)), 60_000);
      expect(s.proc.exitCode).toBeNull();
      expect(s.lines.map((l) => l.msg)).toContain('indicator needs-setup');
      // Said aloud, not only logged.
      expect(playedAfterReady(join(dir, 'played')).length).toBeGreaterThanOrEqual(1);

      fake = await startFakeOpenAI({ port });
      await s.until((l) => l.some((x) => x.turn?.event === 'spoken') && l.some((x) => x.msg.startsWith('internet reachable again')), 60_000);
      expect(fake.questions).toHaveLength(1);
      // Once each, however long it was down.
      expect(s.lines.filter((l) => NO_INTERNET.test(l.msg))).toHaveLength(1);
      expect(s.lines.filter((l) => l.msg.startsWith('internet reachable again'))).toHaveLength(1);
      expect(await s.stop()).toBe(0);
    } finally {
      if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
    }
  }, 150_000);
});
