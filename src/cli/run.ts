import type { Logger } from 'pino';
import { ArecordSource } from '../audio/arecord-source';
import { SAMPLE_RATE, samplesIn } from '../audio/audio-source';
import { createThreadManager } from '../app/thread-manager-factory';
import type { FrameSource } from '../camera/frame';
import { createFrameSource } from '../camera/create-frame-source';
import { MonotonicClock } from '../clock';
import type { Config, Secrets } from '../config/config';
import { LogIndicator } from '../indicator/indicator';
import { createRecogniser } from '../recognition/create-recogniser';
import { AplaySpeaker } from '../speech/aplay-speaker';
import { TurnLogic } from '../turn/turn-logic';

/**
 * The service on the device: microphone, camera, recogniser, assistant, speaker
 * and LEDs wired together. It runs until SIGTERM; a device fault is logged and
 * survived, only a broken configuration stops it at start.
 */
export async function runService(config: Config, secrets: Secrets, log: Logger): Promise<number> {
  const clock = new MonotonicClock();
  const indicator = new LogIndicator(log);
  const recogniser = createRecogniser(config.recogniser, [config.commands.snapshot, config.commands.reply]);
  const threads = createThreadManager(config, secrets, log);

  let frames: FrameSource | undefined;
  try {
    const camera = await createFrameSource(config.camera, { clock, onEvent: (e) => log.warn({ camera: e.type }, e.detail) });
    await camera?.start();
    frames = camera;
    if (camera) log.info({ camera: config.camera.kind }, 'camera running');
  } catch (e) {
    log.error({ err: (e as Error).message }, 'camera not available: running voice-only');
  }

  const audio = new ArecordSource({
    device: config.audio.device,
    clock,
    onExit: (why) => {
      log.error(why);
      indicator.set('error', why);
    },
  });
  const turn = new TurnLogic({
    commands: config.commands,
    frames,
    threads,
    speaker: new AplaySpeaker({ device: config.speaker.device, voice: config.speaker.voice, rate: config.speaker.rate }),
    indicator,
    log,
    emit: (e) => (e.event === 'error' ? log.error({ turn: e }, e.message) : log.info({ turn: e }, e.event)),
  });

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
  await frames?.stop();
  recogniser.close();
  log.info('stopped');
  // The microphone ending by itself is a failure: systemd's Restart=on-failure then brings the service back.
  return stopRequested ? 0 : 1;
}
