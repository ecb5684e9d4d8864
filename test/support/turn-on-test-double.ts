import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createAssistantSide } from '../../src/app/thread-manager-factory';
import { FileFrameSource } from '../../src/camera/file-frame-source';
import { VirtualClock } from '../../src/clock';
import { loadConfig, type Config } from '../../src/config/config';
import { LogIndicator } from '../../src/indicator/indicator';
import type { Speaker } from '../../src/speech/speaker';
import { WavFileSpeaker } from '../../src/speech/wav-file-speaker';
import { TurnLogic, type TurnLogicOptions } from '../../src/turn/turn-logic';
import type { CloudTranscriber } from '../../src/recognition/cloud-transcriber';
import type { CommandRules } from '../../src/recognition/command-words';
import type { TurnEvent } from '../../src/turn/turn-events';
import type { FakeOpenAI } from '../fake-openai/server';
import { mjpegFrames } from './jpeg';

/** Timed words of `text` from `start`, 0.3 s apart. */
export const words = (text: string, start: number) => text.split(' ').map((word, i) => ({ word, start: start + i * 0.3, end: start + i * 0.3 + 0.25 }));

/**
 * The turn logic with the default config on the real spool, upload queue and sender against the API test double,
 * an MJPEG file as the camera (4 s unless said) on a virtual clock, and answers spoken to WAV files.
 */
export async function turnOnTestDouble(
  fake: FakeOpenAI,
  prefix: string,
  o: { cameraSeconds?: number; turn?: Partial<TurnLogicOptions>; cloud?: { transcriber: CloudTranscriber; rules: CommandRules }; stateDir?: string; speaker?: Speaker } = {},
): Promise<{ config: Config; side: ReturnType<typeof createAssistantSide>; turn: TurnLogic; clock: VirtualClock; events: TurnEvent[]; turnsDir: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const { config } = loadConfig(undefined, {});
  config.openai.baseURL = fake.url;
  // A given state directory keeps the conversation from one call to the next, as on the device.
  config.stateDir = o.stateDir ?? join(dir, 'state');
  const log = pino({ level: 'silent' });
  const events: TurnEvent[] = [];
  const emit = (e: TurnEvent) => events.push(e);
  const indicator = new LogIndicator(log);
  const side = createAssistantSide(config, { openaiApiKey: 'sk-test' }, log, { speaker: o.speaker ?? new WavFileSpeaker(join(dir, 'out'), { voice: 'en-us', rate: 165 }), indicator, emit, ...(o.cloud ? { cloud: o.cloud } : {}) });
  writeFileSync(join(dir, 'cam.mjpeg'), mjpegFrames(Math.round((o.cameraSeconds ?? 4) * 15), '160x120', 15));
  const clock = new VirtualClock();
  const frames = await FileFrameSource.open(join(dir, 'cam.mjpeg'), { fps: 15, clock });
  await frames.start();
  const turn = new TurnLogic({ commands: config.commands, frames, ...side, indicator, log, emit, ...o.turn });
  return { config, side, turn, clock, events, turnsDir: join(config.stateDir, 'turns') };
}
