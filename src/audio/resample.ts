/**
 * Linear-interpolation resampling of 16-bit mono PCM. Good enough for speech
 * going to a loudspeaker (espeak-ng's 22.05 kHz to the player's 24 kHz); not
 * used on the recogniser's input, which arrives at 16 kHz.
 */
export function resamplePcm(pcm: Buffer, from: number, to: number): Buffer {
  if (from === to) return pcm;
  const n = pcm.length >> 1;
  const m = Math.floor((n * to) / from);
  const out = Buffer.alloc(m * 2);
  for (let j = 0; j < m; j++) {
    const x = (j * from) / to;
    const i = Math.floor(x);
    const a = pcm.readInt16LE(Math.min(i, n - 1) * 2);
    const b = pcm.readInt16LE(Math.min(i + 1, n - 1) * 2);
    out.writeInt16LE(Math.round(a + (b - a) * (x - i)), j * 2);
  }
  return out;
}
