import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { WavFileSource } from '../audio/wav-file-source';
import { assertReachable } from '../app/reachability';
import { createAssistantSide } from '../app/thread-manager-factory';
import { createTurnLogic } from '../app/turn-factory';
import { createFrameSource } from '../camera/create-frame-source';
import { VirtualClock } from '../clock';
import { type Config, type Secrets, spokenCommands } from '../config/config';
import { LogIndicator } from '../indicator/indicator';
import { createRecogniser } from '../recognition/create-recogniser';
import { commandRules } from '../recognition/command-words';
import { createTranscriber } from '../recognition/create-transcriber';
import { WavFileSpeaker } from '../speech/wav-file-speaker';
import type { TurnEvent } from '../turn/turn-events';

export interface ReplayOptions {
  audio: string;
  camera?: string;
  fps: number;
  outDir?: string;
  /** One line for the user that is no error (a camera file shorter than the audio); stderr by default. */
  warn?: (line: string) => void;
}

/**
 * The whole appliance on files: the WAV is the microphone, the MJPEG (or one
 * still) the camera, both on one virtual clock that runs as fast as the CPU
 * allows; uploads and the answer go to the configured API; speech goes to WAVs.
 * Returns the number of errors seen; when there were any, the last event is an
 * `error` saying what went wrong.
 */
export async function replay(o: ReplayOptions, config: Config, secrets: Secrets, log: Logger, emit: (e: TurnEvent) => void): Promise<number> {
  const clock = new VirtualClock(0);
  const audio = await WavFileSource.open(o.audio, { pace: 'fast', clock });
  const warn = o.warn ?? ((line: string) => process.stderr.write(`snapask: warning: ${line}\n`));
  const onEvent = (e: { detail: string }) => warn(e.detail);
  const frames = o.camera ? await createFrameSource({ ...config.camera, kind: 'file', file: o.camera, fps: o.fps }, { clock, onEvent }) : undefined;
  const rules = commandRules(spokenCommands(config), config.recogniser);
  const cloud = createTranscriber(config, secrets, rules, (m) => log.warn(m));
  const recogniser = createRecogniser(config.recogniser, rules, { transcribe: !cloud });
  try {
    const failures: string[] = [];
    let last: TurnEvent | undefined;
    const counting = (e: TurnEvent) => {
      const failure = failureOf(e, o.camera !== undefined);
      if (failure) failures.push(failure);
      last = e;
      emit(e);
    };
    const outDir = o.outDir ?? mkdtempSync(join(tmpdir(), 'snapask-replay-'));
    const indicator = new LogIndicator(log);
    const side = createAssistantSide(config, secrets, log, {
      speaker: new WavFileSpeaker(outDir, { voice: config.speaker.voice, rate: config.speaker.rate }),
      indicator,
      emit: counting,
      ...(cloud ? { cloud: { transcriber: cloud, rules } } : {}),
    });
    await assertReachable(config.openai.baseURL);
    const turn = createTurnLogic(side, { commands: rules.words, frames, cloud, indicator, log, emit: counting, maxPauseSeconds: config.question.maxPauseSeconds });
    // Questions a killed replay left unfinished go first, as on the device.
    turn.restore(await side.spool.list((id, why) => counting({ event: 'error', stage: 'spool', message: `turn ${id}: ${why}` })));
    await frames?.start();
    for await (const chunk of audio) {
      cloud?.hear(chunk);
      for (const e of recogniser.accept(chunk)) turn.onRecognition(e);
      turn.onAudio(chunk);
    }
    for (const e of recogniser.flush()) turn.onRecognition(e);
    await turn.finish();
    await side.sender.stop();
    await frames?.stop();
    // A replay that failed says why on its last line, also when the failure was a held question.
    if (failures.length && last?.event !== 'error') emit({ event: 'error', stage: 'replay', message: summary(failures) });
    return failures.length;
  } finally {
    recogniser.close();
  }
}

/** What went wrong in one event, or undefined. No picture is no failure when the replay was given no camera. */
function failureOf(e: TurnEvent, hasCamera: boolean): string | undefined {
  switch (e.event) {
    case 'error':
      return `${e.stage}: ${e.message}`;
    case 'upload-failed':
      return `a picture was not uploaded: ${e.reason}`;
    case 'snapshot-failed':
      return hasCamera ? `a snapshot got no picture: ${e.reason}` : undefined;
    case 'held':
      // A replay ends before the spool's retry: the question stays unanswered.
      return `the question was not answered: ${e.reason}`;
    default:
      return undefined;
  }
}

function summary(failures: string[]): string {
  const more = failures.length > 3 ? ` (and ${failures.length - 3} more)` : '';
  return failures.slice(0, 3).join('; ') + more;
}
