import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { WavFileSource } from '../audio/wav-file-source';
import { assertReachable } from '../app/reachability';
import { createThreadManager } from '../app/thread-manager-factory';
import { FileFrameSource } from '../camera/file-frame-source';
import { VirtualClock } from '../clock';
import type { Config, Secrets } from '../config/config';
import { LogIndicator } from '../indicator/indicator';
import { createRecogniser } from '../recognition/create-recogniser';
import { commandRules } from '../recognition/command-words';
import { createTranscriber } from '../recognition/create-transcriber';
import { WavFileSpeaker } from '../speech/wav-file-speaker';
import { TurnLogic } from '../turn/turn-logic';
import type { TurnEvent } from '../turn/turn-events';

export interface ReplayOptions {
  audio: string;
  camera?: string;
  fps: number;
  outDir?: string;
}

/**
 * The whole appliance on files: the WAV is the microphone, the MJPEG (or one
 * still) the camera, both on one virtual clock that runs as fast as the CPU
 * allows; uploads and the answer go to the configured API; speech goes to WAVs.
 * Returns the number of errors seen.
 */
export async function replay(o: ReplayOptions, config: Config, secrets: Secrets, log: Logger, emit: (e: TurnEvent) => void): Promise<number> {
  const clock = new VirtualClock(0);
  const audio = await WavFileSource.open(o.audio, { pace: 'fast', clock });
  const frames = o.camera
    ? await FileFrameSource.open(o.camera, {
        fps: o.fps,
        clock,
        ring: { seconds: config.camera.bufferSeconds, maxBytes: config.camera.bufferMB * 1024 * 1024 },
      })
    : undefined;
  const rules = commandRules(config.commands, config.recogniser);
  const recogniser = createRecogniser(config.recogniser, rules);
  try {
    const threads = createThreadManager(config, secrets, log);
    await assertReachable(config.openai.baseURL);
    let errors = 0;
    const counting = (e: TurnEvent) => {
      if (e.event === 'error' || e.event === 'upload-failed' || e.event === 'snapshot-failed') errors++;
      emit(e);
    };
    const outDir = o.outDir ?? mkdtempSync(join(tmpdir(), 'snapask-replay-'));
    const cloud = createTranscriber(config, secrets, rules, (m) => log.warn(m));
    const turn = new TurnLogic({
      commands: rules.words,
      ...(cloud ? { transcribe: (from: number, to: number, offline: string) => cloud.transcribe(from, to, offline) } : {}),
      frames,
      threads,
      speaker: new WavFileSpeaker(outDir, { voice: config.speaker.voice, rate: config.speaker.rate }),
      indicator: new LogIndicator(log),
      log,
      emit: counting,
    });
    await frames?.start();
    for await (const chunk of audio) {
      cloud?.hear(chunk);
      for (const e of recogniser.accept(chunk)) turn.onRecognition(e);
      turn.onAudioTime(clock.now());
    }
    for (const e of recogniser.flush()) turn.onRecognition(e);
    await turn.finish();
    await frames?.stop();
    return errors;
  } finally {
    recogniser.close();
  }
}
