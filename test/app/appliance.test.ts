import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Appliance } from '../../src/app/appliance';
import { fileDevices } from '../../src/app/devices';
import { DEFAULT_CONFIG } from '../../src/config/config';
import { asSecretsSource } from '../../src/config/secrets-file';
import { createLogger } from '../../src/log';
import type { RoomSpeaker } from '../../src/speech/speaker';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { mjpegFrames } from '../support/jpeg';
import { synthesise } from '../support/speech';

/**
 * The appliance as the composition root builds it, on files: the barge-in gate sits between the recogniser and the
 * turn logic whatever the sources are. Here the speaker is one that was playing while the first "snapshot" was
 * said (as the device's own voice would be): that word is dropped, the one said after it is kept.
 */
describe('the appliance from one builder', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it.each([true, false])('keywords said while its speaker plays are dropped by the barge-in gate (speaker playing: %s)', async (playing) => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-appliance-'));
    const speech = await synthesise(
      [{ silence: 0.5 }, { text: 'snapshot' }, { silence: 0.8 }, { text: 'what is this' }, { silence: 0.3 }, { text: 'snapshot' }, { silence: 0.9 }, { text: 'reply' }, { silence: 1.5 }],
      { engine: 'flite', voice: 'slt' },
    );
    writeFileSync(join(dir, 'q.wav'), speech.wav);
    writeFileSync(join(dir, 'cam.mjpeg'), mjpegFrames(Math.ceil(speech.duration * 10) + 1, '160x120', 10));
    const first = speech.words[0]!;
    const config = { ...DEFAULT_CONFIG, openai: { ...DEFAULT_CONFIG.openai, baseURL: fake.url }, recogniser: { ...DEFAULT_CONFIG.recogniser, engine: 'pocketsphinx' as const }, stateDir: join(dir, 'state') };
    const files = await fileDevices(config, { audio: join(dir, 'q.wav'), camera: join(dir, 'cam.mjpeg'), fps: 10, outDir: join(dir, 'out'), warn: () => undefined });
    let stops = 0;
    const room: RoomSpeaker = {
      speak: async (sentences) => {
        let n = 0;
        for await (const _ of sentences) n++;
        return { sentences: n };
      },
      stop: () => stops++,
      // Its own voice in the room over the first word.
      playingDuring: (from, to) => playing && from < first.end + 0.1 && to > first.start - 0.1,
    };
    const events: TurnEvent[] = [];
    const app = await Appliance.build({
      config,
      secrets: asSecretsSource({}),
      log: createLogger({ level: 'silent' }),
      devices: { ...files, speaker: () => ({ voice: room }) },
      emit: (e) => events.push(e),
    });
    try {
      await app.start(() => undefined);
      await app.listen();
      await app.finish();
    } finally {
      app.close();
    }
    const snapshots = events.filter((e) => e.event === 'snapshot');
    expect(snapshots).toHaveLength(playing ? 1 : 2);
    // The kept picture is the second word's, not the first's.
    if (playing) expect((snapshots[0] as Extract<TurnEvent, { event: 'snapshot' }>).frame_time).toBeGreaterThan(first.end);
    expect(events.filter((e) => e.event === 'message')).toHaveLength(1);
    expect(stops).toBe(0);
    expect(fake.violations).toEqual([]);
  }, 120_000);
});
