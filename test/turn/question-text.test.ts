import { questionText } from '../../src/turn/question-text';

const w = (word: string, start: number, end: number) => ({ word, start, end });

describe('questionText', () => {
  const commands = new Set(['snapshot', 'reply']);
  it('drops command words and words that the transcript split inside a spotted keyword', () => {
    const words = [w('what', 0, 0.3), w('is', 0.3, 0.5), w('snap', 0.6, 0.9), w('shot', 0.9, 1.2), w('this', 1.3, 1.6), w('reply', 2, 2.4)];
    const keywords = [w('snapshot', 0.62, 1.18), w('reply', 2.0, 2.4)];
    expect(questionText(words, keywords, commands, 0, 2.0)).toBe('what is this');
  });
  it('keeps only the words of this question', () => {
    const words = [w('old', 0, 0.2), w('new', 3, 3.2), w('question', 3.2, 3.8), w('later', 6, 6.3)];
    expect(questionText(words, [], commands, 2.5, 5)).toBe('new question');
  });
});
