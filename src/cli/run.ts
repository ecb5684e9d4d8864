import type { Logger } from 'pino';
import { ArecordSource } from '../audio/arecord-source';
import { SAMPLE_RATE, samplesIn } from '../audio/audio-source';
import { createAssistantSide } from '../app/thread-manager-factory';
import type { FrameSource } from '../camera/frame';
import { ProcessFrameSource, rpicamVidArgs } from '../camera/process-frame-source';
import { MonotonicClock } from '../clock';
import { type Config, type Secrets, spokenCommands } from '../config/config';
import { LogIndicator } from '../indicator/indicator';
import { createRecogniser } from '../recognition/create-recogniser';
import { AplaySpeaker } from '../speech/aplay-speaker';
import { TurnLogic } from '../turn/turn-logic';
import type { TurnEvent } from '../turn/turn-events';

/**
 * The service on the device: microphone, camera, recogniser, assistant, speaker
 * and LEDs wired together. It runs until SIGTERM; a device fault is logged and
 * survived, only a broken configuration stops it at start.
 */
export async function runService(config: Config, secrets: Secrets, log: Logger): Promise<number> {
  const clock = new MonotonicClock();
  const indicator = new LogIndicator(log);
  const recogniser = createRecogniser(config.recogniser, spokenCommands(config));

  let frames: FrameSource | undefined;
  if (config.camera.kind === 'rpicam') {
    const camera = new ProcessFrameSource({
      command: 'rpicam-vid',
      args: rpicamVidArgs(config.camera),
      clock,
      ring: { seconds: config.camera.bufferSeconds, maxBytes: config.camera.bufferMB * 1024 * 1024 },
      pipelineDelay: config.camera.pipelineDelayMs / 1000,
      onEvent: (e) => log.warn({ camera: e.type }, e.detail),
    });
    try {
      await camera.start();
      frames = camera;
      log.info('camera running');
    } catch (e) {
      log.error({ err: (e as Error).message }, 'camera not available: running voice-only');
    }
  }

  const audio = new ArecordSource({
    device: config.audio.device,
    clock,
    onExit: (why) => {
      log.error(why);
      indicator.set('error', why);
    },
  });
  const emit = (e: TurnEvent) => (e.event === 'error' ? log.error({ turn: e }, e.message) : log.info({ turn: e }, e.event));
  const side = createAssistantSide(config, secrets, log, {
    speaker: new AplaySpeaker({ device: config.speaker.device, voice: config.speaker.voice, rate: config.speaker.rate }),
    indicator,
    emit,
  });
  const turn = new TurnLogic({ commands: config.commands, frames, ...side, indicator, log, emit });
  // Questions from before a crash or power cut: sent (exactly once) or continued.
  turn.restore(await side.spool.list((id, why) => log.error({ turn: id }, `spooled turn unreadable: ${why}`)));
  const sweep = () => side.janitor.sweep().catch((e: Error) => log.warn({ err: e.message }, 'file cleanup failed'));
  void sweep();
  const sweeper = setInterval(sweep, 3_600_000);
  sweeper.unref();

  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    audio.stop();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  indicator.set('listening');
  log.info('listening');
  for await (const chunk of audio) {
    for (const e of recogniser.accept(chunk)) turn.onRecognition(e);
    turn.onAudioTime(chunk.t + samplesIn(chunk.pcm) / SAMPLE_RATE);
  }
  for (const e of recogniser.flush()) turn.onRecognition(e);
  await turn.finish();
  clearInterval(sweeper);
  await side.sender.stop();
  await frames?.stop();
  recogniser.close();
  log.info('stopped');
  // The microphone ending by itself is a failure: systemd's Restart=on-failure then brings the service back.
  return stopRequested ? 0 : 1;
}
