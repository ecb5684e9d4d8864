import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAssistantSide } from '../../src/app/thread-manager-factory';
import { DEFAULT_CONFIG } from '../../src/config/config';
import type { Frame, FrameSource } from '../../src/camera/frame';
import { StillFrameSource } from '../../src/camera/still-frame-source';
import { MonotonicClock } from '../../src/clock';
import { LogIndicator } from '../../src/indicator/indicator';
import { createLogger } from '../../src/log';
import type { Speaker } from '../../src/speech/speaker';
import { TurnLogic } from '../../src/turn/turn-logic';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { fakeEnv } from '../support/fake-bin';
import { mjpegFrames } from '../support/jpeg';
import { writeFileSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'snapask-camturn-'));
const log = createLogger({ level: 'silent' });

/** Keeps every sentence it is asked to say. */
class HeardSpeaker implements Speaker {
  said: string[] = [];
  async speak(sentences: AsyncIterable<string>) {
    let n = 0;
    for await (const s of sentences) (this.said.push(s), n++);
    return { sentences: n };
  }
}

describe('the turn logic with a missing, silent or still camera', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => (fake = await startFakeOpenAI()));
  afterAll(() => fake.close());

  function turn(frames: FrameSource | undefined) {
    const speaker = new HeardSpeaker();
    const events: TurnEvent[] = [];
    const config = structuredClone(DEFAULT_CONFIG);
    config.openai.baseURL = fake.url;
    config.stateDir = mkdtempSync(join(dir, 's-'));
    const indicator = new LogIndicator(log);
    const emit = (e: TurnEvent) => events.push(e);
    const side = createAssistantSide(config, {}, log, { speaker, indicator, emit });
    const logic = new TurnLogic({ commands: config.commands, frames, ...side, indicator, log, emit });
    return { logic, speaker, events };
  }
  const snapshotWord = (start: number) => ({ type: 'keyword' as const, word: 'snapshot', role: 'snapshot' as const, start, end: start + 0.5, detectedAt: start + 0.7 });

  it('voice-only (no camera at boot): a snapshot says "the camera is not available", and listening goes on', async () => {
    const { logic, speaker, events } = turn(undefined);
    logic.onRecognition(snapshotWord(1));
    await logic.finish();
    expect(events).toContainEqual({ event: 'snapshot-failed', reason: 'the camera is not available' });
    expect(speaker.said).toEqual(['The camera is not available.']);
  });

  it('a camera with no frame since the word began (stalled, restarting) says the same, and keeps no older frame', async () => {
    const old: Frame = { jpeg: mjpegFrames(1), t: 0.2, index: 0 };
    const stalled: FrameSource = { start: async () => undefined, stop: async () => undefined, frameAt: (t) => (old.t >= t ? old : undefined) };
    const { logic, speaker, events } = turn(stalled);
    logic.onRecognition(snapshotWord(1));
    await logic.finish();
    expect(events.filter((e) => e.event === 'snapshot')).toEqual([]);
    expect(speaker.said).toEqual(['The camera is not available.']);
  });

  it('a still camera: the picture is taken when the word is heard, and goes with the question it was asked in', async () => {
    const mjpeg = join(dir, 'cam.mjpeg');
    writeFileSync(mjpeg, mjpegFrames(3, '320x240'));
    const clock = new MonotonicClock();
    const still = new StillFrameSource({
      env: fakeEnv({ FAKE_CAMERA_MJPEG: mjpeg, FAKE_STILL_LATENCY_MS: '150' }), width: 320, height: 240, clock, warmupMs: 200, dir: mkdtempSync(join(dir, 'shm-')),
    });
    await still.start();
    const { logic, events } = turn(still);
    const now = clock.now();
    logic.onRecognition(snapshotWord(now - 0.7));
    // "reply" comes before the still does: the picture must still go with this question.
    logic.onRecognition({ type: 'keyword', word: 'reply', role: 'reply', start: now + 0.01, end: now + 0.3, detectedAt: now + 0.4 });
    await logic.finish();
    await still.stop();
    const snap = events.find((e): e is Extract<TurnEvent, { event: 'snapshot' }> => e.event === 'snapshot')!;
    expect(snap.frame_time).toBeGreaterThanOrEqual(now);
    const message = events.find((e): e is Extract<TurnEvent, { event: 'message' }> => e.event === 'message')!;
    expect(message.file_ids).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  }, 20_000);
});
