import { CALIBRATION_SENTENCES, type Recordings } from './calibrate-recordings';
import type { CalibrationDevices } from './calibration-devices';
import { checkRoom, checkRoomAgainstVoice, checkSentence, checkTakes, type Take } from './samples';

export interface SessionOptions {
  words: string[];
  takesPerWord: number;
  roomSeconds: number;
  /** How long after each prompt is recorded. */
  takeSeconds: number;
  sentenceSeconds: number;
  /** Progress for the person at the terminal. */
  print: (line: string) => void;
}

export const DEFAULT_SESSION = { takesPerWord: 5, roomSeconds: 30, takeSeconds: 3, sentenceSeconds: 6 };

/**
 * The recordings calibration fits on, asked for aloud: the room (quiet), the calibration sentences, and each
 * command word a few times. Each recording is checked as it comes in, so a dead microphone or a loud room
 * stops the session at once (a CalibrationInputError) instead of after every word.
 */
export async function recordSession(d: CalibrationDevices, o: SessionOptions): Promise<Recordings> {
  o.print(`Recording the room for ${o.roomSeconds} seconds: please stay quiet.`);
  await d.say(`I will listen to the room for ${o.roomSeconds} seconds. Please stay quiet.`);
  const room = await d.record(o.roomSeconds);
  checkRoom(room);
  const sentences: Int16Array[] = [];
  for (const [i, text] of CALIBRATION_SENTENCES.entries()) {
    o.print(`Say: "${text}"`);
    await d.say(`Please say: ${text}`);
    const s = await d.record(o.sentenceSeconds);
    checkSentence(s, i + 1);
    checkRoomAgainstVoice(room, s);
    sentences.push(s);
  }
  const takes: Take[] = [];
  for (const word of o.words) {
    for (let k = 0; k < o.takesPerWord; k++) {
      o.print(`Say "${word}" (${k + 1} of ${o.takesPerWord}).`);
      await d.say(`Say ${word}.`);
      takes.push({ word, samples: await d.record(o.takeSeconds) });
      checkTakes(takes);
    }
  }
  await d.say('Thank you.');
  return { room, sentences, takes };
}
