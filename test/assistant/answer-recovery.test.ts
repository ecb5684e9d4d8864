import { findQuestion, finishFromServer, followOnServer, unspokenRest } from '../../src/assistant/answer-recovery';
import { AssistantError, type AnswerEvent } from '../../src/assistant/thread-manager';

async function collect(events: AsyncIterable<AnswerEvent>): Promise<AnswerEvent[]> {
  const out: AnswerEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('answer recovery, shared by both dialects', () => {
  it('finds the question among the newest-first items, with what came after it in order', () => {
    const newestFirst = ['answer 2', 'tool output', 'question 2', 'answer 1', 'question 1'];
    expect(findQuestion(newestFirst, (i) => i === 'question 2')).toEqual({ item: 'question 2', after: ['tool output', 'answer 2'] });
    expect(findQuestion(newestFirst, (i) => i === 'question 1')).toEqual({ item: 'question 1', after: ['answer 1', 'question 2', 'tool output', 'answer 2'] });
    expect(findQuestion(newestFirst, (i) => i === 'question 3')).toBeUndefined();
    expect(findQuestion(['question'], (i) => i === 'question')).toEqual({ item: 'question', after: [] });
  });

  it('passes on only what the stream had not delivered; all of it when the server says otherwise', async () => {
    expect(unspokenRest('It is a red cup.', 'It is a ')).toBe('red cup.');
    expect(unspokenRest('It is a red cup.', 'It was')).toBe('It is a red cup.');
    expect(await collect(finishFromServer('It is a red cup.', 'It is a '))).toEqual([
      { type: 'text-delta', text: 'red cup.' },
      { type: 'done', text: 'It is a red cup.' },
    ]);
    expect(await collect(finishFromServer('A cup.'))).toEqual([
      { type: 'text-delta', text: 'A cup.' },
      { type: 'done', text: 'A cup.' },
    ]);
    // Everything was spoken already, or the answer is empty: no empty delta.
    expect(await collect(finishFromServer('A cup.', 'A cup.'))).toEqual([{ type: 'done', text: 'A cup.' }]);
    expect(await collect(finishFromServer(''))).toEqual([{ type: 'done', text: '' }]);
  });

  it('follows the answer on the server only after a broken connection to a request the server took', () => {
    const broken = new AssistantError('getting the answer: the connection broke (ECONNRESET)', 'retry');
    expect(followOnServer(broken, 'resp_1', false)).toBe(true);
    expect(followOnServer(broken, undefined, false)).toBe(false);
    expect(followOnServer(broken, 'resp_1', true)).toBe(false);
    expect(followOnServer(new AssistantError('getting the answer: 401', 'refused'), 'resp_1', false)).toBe(false);
    expect(followOnServer(new AssistantError('the answer was cut short', 'failed'), 'resp_1', false)).toBe(false);
  });
});
