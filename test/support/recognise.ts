import { commandRules } from '../../src/recognition/command-words';
import type { KeywordEvent, Recogniser } from '../../src/recognition/recogniser';
import { toChunks } from './speech';

/** The default English command words with default rules, as the service starts without a config. */
export const RULES = commandRules({ snapshot: 'snapshot', reply: 'reply', cancel: 'cancel', stop: 'stop' });

/** The keywords `rec` hears in `pcm`, fed in 100 ms chunks timed from `t0` and flushed at the end; `rec` is closed. */
export function keywordsIn(rec: Recogniser, pcm: Buffer, t0 = 0): KeywordEvent[] {
  const events: KeywordEvent[] = [];
  try {
    for (const c of toChunks(pcm, t0)) for (const e of rec.accept(c)) if (e.type === 'keyword') events.push(e);
    for (const e of rec.flush()) if (e.type === 'keyword') events.push(e);
  } finally {
    rec.close();
  }
  return events;
}
