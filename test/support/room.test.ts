import { echoGainFor, rms, throughRoom, VOICE_RMS, withVoice } from './room';

/** A loud answer: a 300 Hz tone at about -6 dBFS peak, two seconds. */
const answer = (): Buffer => {
  const b = Buffer.alloc(32000 * 2);
  for (let i = 0; i < 32000; i++) b.writeInt16LE(Math.round(16000 * Math.sin((2 * Math.PI * 300 * i) / 16000)), i * 2);
  return b;
};
const word = (): Buffer => {
  const b = Buffer.alloc(8000 * 2);
  for (let i = 0; i < 8000; i++) b.writeInt16LE(Math.round(900 * Math.sin((2 * Math.PI * 180 * i) / 16000)), i * 2);
  return b;
};
const clipped = (pcm: Buffer): number => {
  let n = 0;
  for (let i = 0; i < pcm.length; i += 2) if (Math.abs(pcm.readInt16LE(i)) >= 32767) n++;
  return n;
};

describe('the simulated room of the barge-in bench', () => {
  it.each([0, 12, 40])('puts the echo %i dB below a user speaking at a normal level, and clips nothing', (ratioDb) => {
    const played = answer();
    const echo = throughRoom(played, undefined, echoGainFor(played, ratioDb));
    expect(20 * Math.log10(VOICE_RMS / rms(echo))).toBeCloseTo(ratioDb, 0);
    const heard = withVoice(echo, word(), 0.5);
    // The word alone (the echo subtracted) is at the normal level: the voice was never raised to the echo.
    const voice = Buffer.alloc(8000 * 2);
    for (let i = 0; i < 8000; i++) voice.writeInt16LE(heard.readInt16LE((8000 + i) * 2) - echo.readInt16LE((8000 + i) * 2), i * 2);
    expect(rms(voice)).toBeCloseTo(VOICE_RMS, -1);
    expect(clipped(heard)).toBe(0);
  });

  it('delays the played sound by the room\'s latency before it reaches the microphone', () => {
    const click = Buffer.alloc(16000 * 2);
    click.writeInt16LE(10000, 0);
    const heard = throughRoom(click);
    let first = -1;
    for (let i = 0; i < 16000 && first < 0; i++) if (heard.readInt16LE(i * 2) !== 0) first = i;
    expect(first / 16000).toBeCloseTo(0.047, 3); // 45 ms latency, direct path 2 ms
  });
});
