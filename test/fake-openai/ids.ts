const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Ids shaped like OpenAI's (prefix + opaque base62) but deterministic per server, so two
 * runs of a test see the same ids and failures reproduce.
 */
export class IdGenerator {
  private counter = 0;
  private state: number;

  constructor(seed = 0x5eed) {
    this.state = seed >>> 0;
  }

  next(prefix: string): string {
    this.counter += 1;
    let tail = '';
    for (let i = 0; i < 18; i++) tail += ALPHABET[this.random() % ALPHABET.length];
    return `${prefix}${this.counter.toString(36).padStart(4, '0')}${tail}`;
  }

  /** xorshift32: tiny, seedable, good enough for ids. */
  private random(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
}
