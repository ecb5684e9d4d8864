import type { QuestionTranscript } from '../../src/recognition/cloud-transcriber';
import type { CommandRecognitionEvent } from '../../src/recognition/recogniser';
import type { TurnEvent } from '../../src/turn/turn-events';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { turnOnTestDouble, words } from '../support/turn-on-test-double';

const RATE = 16000;
const CHUNK = 0.1;

/** What the microphone hears in [t, t + CHUNK): a loud tone inside `speech`, a faint hiss elsewhere. */
function chunkAt(t: number, speech: Array<[number, number]>): Buffer {
  const n = Math.round(CHUNK * RATE);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const s = t + i / RATE;
    const loud = speech.some(([a, b]) => s >= a && s < b);
    const v = loud ? 3000 * Math.sin(2 * Math.PI * 220 * s) : ((i * 7919) % 21) - 10;
    out.writeInt16LE(Math.round(v), i * 2);
  }
  return out;
}

type Script = Array<{ at: number; e: CommandRecognitionEvent }>;
const said = (text: string, start: number): Script => {
  const w = words(text, start);
  const end = w.at(-1)!.end;
  return [{ at: end + 0.5, e: { type: 'transcript', text, words: w, start, end } }];
};
const keyword = (role: 'snapshot' | 'reply', start: number, end: number): Script => [{ at: end + 0.2, e: { type: 'keyword', word: role, role, start, end, detectedAt: end + 0.2 } }];
/** The stretch `words` puts `text` on (0.3 s a word), as speech for chunkAt. */
const spoken = (text: string, start: number): [number, number] => [start, start + text.split(' ').length * 0.3 - 0.05];

/** A transcriber that notes where each question's transcript began and ended (and what was cut), and answers the offline text. */
const recording = (note: (from: number, to: number, cut: Array<[number, number]>) => void): { open(from: number): QuestionTranscript } => ({
  open: (from) => ({
    advance: () => undefined,
    discard: () => undefined,
    finish: (to, cut, offline) => {
      note(from, to, cut);
      return Promise.resolve(offline);
    },
  }),
});

/**
 * Plays `script` and the audio of `speech` into the turn logic chunk by chunk up to `seconds` (`at` hears each
 * chunk's time first), finishes the turn and stops the sender; the questions sent.
 */
async function play(h: Awaited<ReturnType<typeof turnOnTestDouble>>, script: Script, speech: Array<[number, number]>, seconds: number, at: (t: number) => void = () => undefined): Promise<Array<Extract<TurnEvent, { event: 'message' }>>> {
  const { side, turn, clock, events } = h;
  for (let now = 0; now < seconds; now = Math.round((now + CHUNK) * 10) / 10) {
    at(now);
    clock.advanceTo(now);
    while (script.length && script[0]!.at <= now) turn.onRecognition(script.shift()!.e);
    turn.onAudio({ pcm: chunkAt(now, speech), t: now });
  }
  await turn.finish();
  await side.sender.stop();
  return events.filter((e): e is Extract<TurnEvent, { event: 'message' }> => e.event === 'message');
}

describe('where a question begins (question.maxPauseSeconds)', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it('is the speech running up to "reply" without a longer pause, reaching back to its first snapshot; earlier talk is dropped', async () => {
    const asked: Array<[number, number]> = [];
    const led: Array<[number, boolean]> = [];
    const forgotten: number[] = [];
    let now = 0;
    const h = await turnOnTestDouble(fake, 'snapask-bounds-', {
      cameraSeconds: 40,
      turn: {
        maxPauseSeconds: 4,
        transcriber: recording((from, to) => asked.push([from, to])),
        onQuestion: (open) => led.push([now, open]),
        forget: (t) => forgotten.push(t),
      },
    });
    const script: Script = [
      // The room's talk, then 6 s of quiet.
      ...said('the room talks about lunch', 1),
      // A question with a snapshot, a 5 s pause in it, and more of it.
      ...said('what is this', 9),
      ...keyword('snapshot', 10.2, 10.7),
      ...said('is it ripe', 15.9),
      ...keyword('reply', 17.2, 17.6),
      // Talk, 5 s of quiet, then a question without a snapshot.
      ...said('earlier chat here', 21),
      ...said('how warm is it', 27),
      ...keyword('reply', 28.6, 29.0),
      // A pause under the limit joins the two halves.
      ...said('first part', 32),
      ...said('second part', 35.5),
      ...keyword('reply', 36.5, 36.9),
    ].sort((a, b) => a.at - b.at);
    const speech: Array<[number, number]> = [
      spoken('the room talks about lunch', 1), spoken('what is this', 9), [10.2, 10.7], spoken('is it ripe', 15.9), [17.2, 17.55],
      spoken('earlier chat here', 21), spoken('how warm is it', 27), [28.6, 28.95], spoken('first part', 32), spoken('second part', 35.5), [36.5, 36.85],
    ];
    const messages = await play(h, script, speech, 42, (t) => (now = t));
    const { events } = h;
    expect(messages.map((m) => m.text)).toEqual(['what is this is it ripe', 'how warm is it', 'first part second part']);
    expect(messages.map((m) => m.file_ids.length)).toEqual([1, 0, 0]);
    // The audio asked about is the same stretch: from the first word of each question to its "reply".
    expect(asked).toHaveLength(3);
    for (const [[from, to], [start, reply]] of asked.map((a, i) => [a, [[9, 17.2], [27, 28.6], [32, 36.5]][i]!] as const)) {
      expect(Math.abs(from - start)).toBeLessThan(0.1);
      expect(to).toBe(reply);
    }
    // The room's talk left memory (words and audio) once its pause had lasted, before the question began.
    expect(forgotten.filter((t) => t > 2.4 && t <= 9)).not.toEqual([]);
    // The recording LED: on with the room's talk, off 4 s after it, on from the question to its reply.
    const near = (t: number, open: boolean) => led.some(([at, o]) => o === open && Math.abs(at - t) <= 0.3);
    expect(led[0]).toEqual([expect.closeTo(1.1, 0), true]);
    expect(near(1 + 5 * 0.3 - 0.05 + 4, false)).toBe(true);
    expect(near(9.1, true)).toBe(true);
    expect(led.filter(([at]) => at > 9.5 && at < 17.5)).toEqual([]);
    expect(near(17.8, false)).toBe(true);
    expect(events.filter((e) => e.event === 'error')).toEqual([]);
  }, 60_000);

  it("leaves out what the device's own voice played: it is no speech of a question, and its audio is cut out", async () => {
    const asked: Array<{ from: number; to: number; cut: Array<[number, number]> }> = [];
    const playing: Array<[number, number]> = [[3, 6], [11, 12.5]];
    const h = await turnOnTestDouble(fake, 'snapask-bounds-play-', {
      cameraSeconds: 20,
      turn: {
        maxPauseSeconds: 4,
        transcriber: recording((from, to, cut) => asked.push({ from, to, cut })),
        playingDuring: (a, b) => playing.some(([s, e]) => a < e && b > s),
      },
    });
    const script: Script = [
      ...said('hello there', 1),
      // The answer plays (loud) from 3 to 6; the user asks after it.
      ...said('what is it', 6.5),
      ...keyword('reply', 7.6, 8.0),
      // A question the device's voice interrupts: both halves are the question, the voice is cut out.
      ...said('and this one', 9.5),
      ...said('how big', 12.8),
      ...keyword('reply', 13.6, 14.0),
    ].sort((a, b) => a.at - b.at);
    const speech: Array<[number, number]> = [spoken('hello there', 1), [3, 6], spoken('what is it', 6.5), [7.6, 7.95], spoken('and this one', 9.5), [11, 12.5], spoken('how big', 12.8), [13.6, 13.95]];
    const messages = await play(h, script, speech, 18);
    expect(messages.map((m) => m.text)).toEqual(['what is it', 'and this one how big']);
    expect(asked[0]!.from).toBeCloseTo(6.5, 1);
    expect(asked[1]!.from).toBeCloseTo(9.5, 1);
    expect(asked[1]!.cut).toContainEqual([expect.closeTo(11, 1), expect.closeTo(12.5, 1)]);
  }, 60_000);
});
