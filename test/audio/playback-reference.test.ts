import { PlaybackReference } from '../../src/audio/playback-reference';

const pcmOf = (values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeInt16LE(v, i * 2));
  return b;
};
const ramp = (n: number, from = 1): Buffer => pcmOf(Array.from({ length: n }, (_, i) => from + i));

describe('PlaybackReference (what the speaker played, on the microphone clock)', () => {
  it('places sound the latency after it was handed over, and what follows right after it', () => {
    const ref = new PlaybackReference(0.05);
    ref.append(ramp(1600), 10); // 0.1 s handed over at 10 s: plays 10.05 to 10.15
    ref.append(ramp(1600, 5000), 10.01); // handed over while the first plays: queued behind it
    const out = ref.read(10.05, new Int16Array(3200));
    expect(out[0]).toBe(1);
    expect(out[1599]).toBe(1600);
    expect(out[1600]).toBe(5000);
    expect(out[3199]).toBe(6599);
    expect(ref.playedDuring(10.0, 10.05)).toBe(false);
    expect(ref.playedDuring(10.2, 10.3)).toBe(true);
    expect(ref.playedDuring(10.25, 11)).toBe(false);
  });

  it('reads zeros where nothing played, and a gap when sound came after the player ran dry', () => {
    const ref = new PlaybackReference(0);
    ref.append(ramp(160), 1);
    ref.append(ramp(160, 100), 2); // the first ended at 1.01: this one starts at its own time
    const out = ref.read(0.99, new Int16Array(480));
    expect(Array.from(out.subarray(0, 160)).every((v) => v === 0)).toBe(true);
    expect(out[160]).toBe(1);
    expect(out[320]).toBe(0);
    expect(ref.read(2, new Int16Array(2))).toEqual(Int16Array.of(100, 101));
  });

  it('cut: nothing after a barge-in stop sounds', () => {
    const ref = new PlaybackReference(0);
    ref.append(ramp(16000), 0); // one second
    ref.cut(0.5);
    expect(ref.playedDuring(0.6, 2)).toBe(false);
    const out = ref.read(0.49, new Int16Array(320));
    expect(out[159]).toBe(8000);
    expect(out[160]).toBe(0);
    ref.append(ramp(160, 7), 0.6); // the next answer starts afresh
    expect(ref.read(0.6, new Int16Array(1))[0]).toBe(7);
  });

  it('closed: sound handed to a device that closed before it could play it never sounded (the latency after the close still does)', () => {
    const ref = new PlaybackReference(0.05);
    ref.append(Buffer.alloc(16000 * 4 * 2, 1), 10); // four seconds handed over at once: would sound 10.05 to 14.05
    ref.closed(10.5); // but the device was closed at 10.5
    expect(ref.playedDuring(10.5, 10.55)).toBe(true);
    expect(ref.playedDuring(10.56, 15)).toBe(false);
  });

  it('forgets sound played long ago (bounded memory over hours of answers)', () => {
    const ref = new PlaybackReference(0);
    for (let k = 0; k < 100; k++) ref.append(ramp(16000), k);
    expect(ref.playedDuring(0, 90)).toBe(false);
    expect(ref.playedDuring(99, 99.5)).toBe(true);
  });
});
