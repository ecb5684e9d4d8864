import type { Logger } from 'pino';
import { ArecordSource } from '../audio/arecord-source';
import { ClipMonitor } from '../audio/clip-monitor';
import { SAMPLE_RATE, samplesIn } from '../audio/audio-source';
import { createThreadManager } from '../app/thread-manager-factory';
import type { FrameSource } from '../camera/frame';
import { ProcessFrameSource, rpicamVidArgs } from '../camera/process-frame-source';
import { MonotonicClock } from '../clock';
import type { Config, Secrets } from '../config/config';
import { LogIndicator } from '../indicator/indicator';
import { createRecogniser } from '../recognition/create-recogniser';
import { commandRules } from '../recognition/command-words';
import { createTranscriber } from '../recognition/create-transcriber';
import { AplaySpeaker } from '../speech/aplay-speaker';
import { BargeIn } from '../speech/barge-in';
import { CueIndicator, loadCues } from '../speech/cues';
import { createSynth } from '../speech/create-synth';
import { TurnLogic } from '../turn/turn-logic';

/**
 * The service on the device: microphone, camera, recogniser, assistant, speaker
 * and LEDs wired together. It runs until SIGTERM; a device fault is logged and
 * survived, only a broken configuration stops it at start.
 */
export async function runService(config: Config, secrets: Secrets, log: Logger): Promise<number> {
  const clock = new MonotonicClock();
  const leds = new LogIndicator(log);
  const indicator = config.speaker.cues ? new CueIndicator(leds, loadCues(), config.speaker.device, (m) => log.warn(m)) : leds;
  const rules = commandRules(config.commands, config.recogniser);
  const recogniser = createRecogniser(config.recogniser, rules);
  const cloud = createTranscriber(config, secrets, rules, (m) => log.warn(m));
  const threads = createThreadManager(config, secrets, log);

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
    reopenMs: config.audio.reopenMs,
    reopenMaxMs: config.audio.reopenMaxMs,
    onLost: (why) => {
      log.error(why);
      indicator.set('error', why);
    },
    onBack: () => {
      log.info('microphone back');
      indicator.set('listening');
    },
  });
  const speaker = new AplaySpeaker({
    device: config.speaker.device,
    synth: createSynth(config, secrets, (m) => log.warn(m)),
    clock,
    onError: (m) => log.error(m),
  });
  const clipping = new ClipMonitor({ onClipping: (m) => log.warn(m) });
  const bargeIn = new BargeIn(speaker, rules.words.stop, () => log.info('stop: playback ended'));
  const turn = new TurnLogic({
    commands: rules.words,
    frames,
    threads,
    speaker,
    ...(cloud ? { transcribe: (from: number, to: number, offline: string) => cloud.transcribe(from, to, offline) } : {}),
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
    cloud?.hear(chunk);
    clipping.push(chunk);
    for (const e of bargeIn.filter(recogniser.accept(chunk))) turn.onRecognition(e);
    turn.onAudioTime(chunk.t + samplesIn(chunk.pcm) / SAMPLE_RATE);
  }
  for (const e of recogniser.flush()) turn.onRecognition(e);
  await turn.finish();
  await frames?.stop();
  recogniser.close();
  log.info('stopped');
  // The microphone is reopened when it fails; ending otherwise is a failure: systemd's Restart=on-failure then brings the service back.
  return stopRequested ? 0 : 1;
}
