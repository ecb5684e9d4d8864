import { rng } from '../../bench/keywords-corpus';
import { noise, atLevel } from '../../keywords-training/rooms';
import { synthesise } from '../../support/speech';
import { withMicrophoneFloor } from '../../support/calibration-session';
import { CalibrationInputError, checkRoom, checkRoomAgainstVoice, checkSentence, checkTakes, wordSegment } from '../../../src/recognition/calibration/samples';

const seconds = (s: number) => Math.round(s * 16000);
const floor = (s: number, seed = 1) => withMicrophoneFloor(Buffer.alloc(seconds(s) * 2), seed);

/** A word said by flite kal with the microphone's floor around it, and where it truly is. */
async function word(text: string): Promise<{ samples: Int16Array; start: number; end: number }> {
  const s = await synthesise([{ silence: 0.7 }, { text }, { silence: 1.3 }], { engine: 'flite', voice: 'kal' });
  return { samples: withMicrophoneFloor(s.pcm, 3), start: s.words[0]!.start, end: s.words[0]!.end };
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CalibrationInputError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('calibration input checks: one sentence for each problem', () => {
  it('a silent microphone', () => {
    const m = message(() => checkRoom(new Int16Array(seconds(30))));
    expect(m).toMatch(/^The microphone gave only silence while recording the room: .*audio\.device.*run snapask calibrate again\.$/);
    expect(m.split('\n')).toHaveLength(1);
  });

  it('a clipping microphone', async () => {
    const w = await word('snapshot');
    const loud = w.samples.map((v) => Math.max(-32768, Math.min(32767, v * 40)));
    const m = message(() => checkTakes([{ word: 'snapshot', samples: loud }]));
    expect(m).toMatch(/^The microphone is clipping \(\d+\.\d % of samples at full scale while recording "snapshot"\): lower its capture gain/);
  });

  it('a room too loud to calibrate in: for anyone, or against the owner\'s voice', async () => {
    const machine = atLevel(noise('pink', seconds(30), rng(5)), -8);
    expect(message(() => checkRoom(machine))).toMatch(/^The room is too loud to calibrate in \(half of it over -\d+ dBFS, more than -20\): turn off the television/);
    const sentence = await synthesise([{ silence: 0.5 }, { text: 'tell me what you can see on the table' }, { silence: 0.5 }], { engine: 'flite', voice: 'kal' });
    const voice = withMicrophoneFloor(sentence.pcm, 6);
    // Talk or a television a few dB under the voice (kal's loud frames are about -16 dBFS; atLevel sets the loudest frame).
    const tv = atLevel(noise('pink', seconds(30), rng(5)), -16);
    expect(() => checkRoom(tv)).not.toThrow();
    expect(message(() => checkRoomAgainstVoice(tv, voice))).toMatch(/^The room is too loud to calibrate in \(your voice stands only \d+ dB over it, 15 needed\): turn off the television/);
    // An ordinary quiet room passes.
    expect(() => checkRoom(floor(30))).not.toThrow();
    expect(() => checkRoomAgainstVoice(floor(30), voice)).not.toThrow();
  });

  it('a word not heard at all, and which take it was', async () => {
    const said = await word('reply');
    const m = message(() =>
      checkTakes([
        { word: 'reply', samples: said.samples },
        { word: 'reply', samples: floor(3, 9) },
      ]),
    );
    expect(m).toMatch(/^I did not hear "reply" the second time: say it clearly/);
    expect(message(() => checkSentence(floor(6, 4), 2))).toMatch(/^I did not hear sentence 2: /);
  });

  it('finds the word in a take where it was said', async () => {
    for (const text of ['snapshot', 'reply', 'cancel', 'stop']) {
      const w = await word(text);
      const s = wordSegment(w.samples)!;
      expect(Math.abs(s.start - w.start)).toBeLessThan(0.06);
      expect(Math.abs(s.end - w.end)).toBeLessThan(0.08);
    }
  });
});
