import { SentenceSplitter } from '../../src/speech/sentence-splitter';

describe('SentenceSplitter', () => {
  it('releases each sentence as soon as the next one starts, whatever the delta boundaries', () => {
    const text = 'It is a red mug. There are 3.5 apples! Is that all? Yes';
    for (const size of [1, 2, 5, 100]) {
      const s = new SentenceSplitter();
      const out: string[] = [];
      for (let i = 0; i < text.length; i += size) out.push(...s.push(text.slice(i, i + size)));
      expect(out).toEqual(['It is a red mug.', 'There are 3.5 apples!', 'Is that all?']);
      expect(s.flush()).toEqual(['Yes']);
    }
  });

  it('splits on line breaks and keeps closing quotes with their sentence', () => {
    const s = new SentenceSplitter();
    expect(s.push('He said "hi." Then\nleft. ')).toEqual(['He said "hi."', 'Then', 'left.']);
    expect(s.flush()).toEqual([]);
  });
});
