import { questionText } from '../../src/turn/question-text';

import type { KeywordRole } from '../../src/recognition/command-words';
import type { HeardWord } from '../../src/recognition/recogniser';

const w = (word: string, start: number, end: number, role?: KeywordRole): HeardWord => ({ word, start, end, ...(role ? { role } : {}) });

describe('questionText', () => {
  it('drops command words and words that the transcript split inside a spotted keyword', () => {
    const words = [w('what', 0, 0.3), w('is', 0.3, 0.5), w('snap', 0.6, 0.9), w('shot', 0.9, 1.2), w('this', 1.3, 1.6), w('reply', 2, 2.4, 'reply')];
    const keywords = [w('snapshot', 0.62, 1.18), w('reply', 2.0, 2.4)];
    expect(questionText(words, keywords, 0, 2.0)).toBe('what is this');
  });
  it('drops the words the recogniser boundary marked as commands, whatever their spelling, and no others', () => {
    // "please send it to Anna": the reply word mid-question (the reply gate let no keyword through) stays out of the text;
    // "reply" is an ordinary word when the configured reply word is "send".
    const words = [w('please', 0, 0.3), w('send', 0.3, 0.6, 'reply'), w('a', 0.6, 0.7), w('reply', 0.7, 1.1), w('to', 1.1, 1.2), w('anna', 1.2, 1.6)];
    expect(questionText(words, [], 0, 5)).toBe('please a reply to anna');
  });
  it('keeps only the words of this question', () => {
    const words = [w('old', 0, 0.2), w('new', 3, 3.2), w('question', 3.2, 3.8), w('later', 6, 6.3)];
    expect(questionText(words, [], 2.5, 5)).toBe('new question');
  });
});
