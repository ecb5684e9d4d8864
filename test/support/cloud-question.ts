import OpenAI from 'openai';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudTranscriber, type PieceMarks } from '../../src/recognition/cloud-transcriber';
import { commandRules } from '../../src/recognition/command-words';
import type { CommandRecognitionEvent } from '../../src/recognition/recogniser';
import type { Speaker } from '../../src/speech/speaker';
import type { FakeOpenAI } from '../fake-openai/server';
import { turnOnTestDouble } from './turn-on-test-double';

export const RATE = 16000;
export const CHUNK = 0.1;
export const OP = 'POST /audio/transcriptions';

/** A sweeping tone inside each speech stretch (its pitch moving with time, so no two stretches sound alike), a hiss that never repeats elsewhere. */
export function chunkAt(t: number, speech: Array<[number, number]>): Buffer {
  const n = Math.round(CHUNK * RATE);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const s = t + i / RATE;
    const loud = speech.some(([a, b]) => s >= a && s < b);
    const v = loud ? 3000 * Math.sin(2 * Math.PI * (150 + 40 * s) * s) : ((Math.imul(Math.round(s * RATE) ^ 0x5bd1e995, 0x2c1b3c6d) >>> 0) % 21) - 10;
    out.writeInt16LE(Math.round(v), i * 2);
  }
  return out;
}

/** A command word heard `delay` after its end (the reply gate's own wait is 0.45 s: "reply" and "cancel" come no sooner). */
export const kw = (role: 'snapshot' | 'reply' | 'cancel', start: number, end: number, delay = role === 'snapshot' ? 0.3 : 0.5) => ({
  at: end + delay,
  e: { type: 'keyword', word: role, role, start, end, detectedAt: end + delay } as CommandRecognitionEvent,
});


/**
 * A question in real audio through the turn logic with cloud transcription on the test double: `speech` is where
 * the "user" speaks, `events` the command words heard; fed at twice real time (or in real time), so pieces go while the user
 * speaks on. Returns what the turn logic reported, when each keyword was fed, the transcriptions and the audio.
 */
export async function askWithCloud(
  fake: FakeOpenAI,
  speech: Array<[number, number]>,
  events: Array<{ at: number; e: CommandRecognitionEvent }>,
  seconds: number,
  o: { concurrency?: number; timeoutMs?: number; stopSender?: boolean; maxPieceSeconds?: number; realTime?: boolean; stateDir?: string; onPiece?: (m: PieceMarks) => void; speaker?: Speaker } = {},
) {
  const rules = commandRules({ snapshot: 'snapshot', reply: 'reply', cancel: 'cancel', stop: 'stop' });
  const transcriber = new CloudTranscriber({
    client: new OpenAI({ apiKey: 'test', baseURL: fake.url }),
    model: 'gpt-4o-transcribe',
    timeoutMs: o.timeoutMs ?? 5000,
    backoffMs: 100,
    concurrency: o.concurrency ?? 2,
    ...(o.maxPieceSeconds ? { maxPieceSeconds: o.maxPieceSeconds } : {}),
    rules,
    onFallback: () => undefined,
    ...(o.onPiece ? { onPiece: o.onPiece } : {}),
  });
  const setup = await turnOnTestDouble(fake, 'snapask-cloud-', {
    cameraSeconds: seconds,
    ...(o.stateDir ? { stateDir: o.stateDir } : {}),
    ...(o.speaker ? { speaker: o.speaker } : {}),
    cloud: { transcriber, rules },
    turn: { transcriber, transcriptWaitSeconds: 0, forget: (t) => transcriber.forget(t) },
  });
  const { side, turn, clock, events: out } = setup;
  const source: Buffer[] = [];
  const fedAt: Record<string, number> = {};
  const script = [...events].sort((a, b) => a.at - b.at);
  const before = fake.transcriptions.length;
  for (let now = 0; now < seconds; now = Math.round((now + CHUNK) * 10) / 10) {
    clock.advanceTo(now);
    while (script.length && script[0]!.at <= now) {
      const e = script.shift()!.e;
      if (e.type === 'keyword') fedAt[`${e.role}@${e.start}`] = Number(process.hrtime.bigint()) / 1e9;
      turn.onRecognition(e);
    }
    const pcm = chunkAt(now, speech);
    source.push(pcm);
    transcriber.hear({ pcm, t: now });
    turn.onAudio({ pcm, t: now });
    await sleep(o.realTime ? 100 : 50);
  }
  if (o.stopSender !== false) {
    await turn.finish();
    await side.sender.stop();
  }
  return { ...setup, out, fedAt, sent: () => fake.transcriptions.slice(before), source: Buffer.concat(source) };
}
