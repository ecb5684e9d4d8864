import type { Logger } from 'pino';
import type { FrameSource } from '../camera/frame';
import type { Indicator } from '../indicator/indicator';
import type { CloudTranscriber } from '../recognition/cloud-transcriber';
import type { TurnEvent } from '../turn/turn-events';
import { TurnLogic, type CommandWords } from '../turn/turn-logic';
import type { AssistantSide } from './thread-manager-factory';

/** The turn logic over the assistant side, with the cloud transcriber when there is one; shared by `run` and `replay`. */
export function createTurnLogic(
  side: AssistantSide,
  o: {
    commands: CommandWords;
    frames: FrameSource | undefined;
    cloud: CloudTranscriber | undefined;
    indicator: Indicator;
    log: Logger;
    emit: (e: TurnEvent) => void;
    maxPauseSeconds: number;
    onQuestion?: (open: boolean) => void;
    playingDuring?: (start: number, end: number) => boolean;
  },
): TurnLogic {
  const { cloud, ...devices } = o;
  return new TurnLogic({
    ...devices,
    // The cloud writes the question: no offline transcript is waited for.
    ...(cloud ? { transcriptWaitSeconds: 0 } : {}),
    ...side,
    ...(cloud ? { transcriber: cloud, forget: (t: number) => cloud.forget(t) } : {}),
  });
}
