import { PassThrough } from 'node:stream';
import { lastLineOf } from '../../src/process/last-line';

describe('lastLineOf', () => {
  it('keeps the last non-empty line, whole even when split across reads', async () => {
    const s = new PassThrough();
    const last = lastLineOf(s);
    s.write('first line\nERROR: *** no cam');
    s.write('eras available ***\n\n');
    await new Promise((r) => setImmediate(r));
    expect(last()).toBe('ERROR: *** no cameras available ***');
    s.write('unterminated tail');
    await new Promise((r) => setImmediate(r));
    expect(last()).toBe('unterminated tail');
  });
});
