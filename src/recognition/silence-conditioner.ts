/**
 * Replaces (near-)digital silence: every sample within +-2 gets a faint
 * deterministic noise of up to +-8 (about -75 dBFS). Real microphones never
 * deliver runs of exact zeros, but synthetic or edited audio does, inside
 * words too (a stop's closure); PocketSphinx's features, noise tracking and
 * voice activity detection go wrong on them. On microphone audio this only
 * touches a few samples at zero crossings, far below the noise floor.
 */
export class SilenceConditioner {
  private seed = 0x2545f491;

  private rand(): number {
    let s = this.seed;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.seed = s >>> 0;
    return this.seed;
  }

  apply(pcm: Buffer): Buffer {
    const n = pcm.length >> 1;
    const out = Buffer.from(pcm);
    for (let i = 0; i < n; i++) {
      const v = out.readInt16LE(i * 2);
      if (v <= 2 && v >= -2) out.writeInt16LE(v + ((this.rand() % 17) - 8), i * 2);
    }
    return out;
  }
}
