/**
 * Vosk's result JSON, as documented and as vosk_recognizer_result /
 * _partial_result / _final_result return it (with words enabled):
 *   final:   {"result":[{"conf":1.0,"end":1.02,"start":0.6,"word":"snapshot"}],"text":"snapshot"}
 *   partial: {"partial":"what is","partial_result":[{"conf":1.0,"end":0.4,"start":0.1,"word":"what"}, ...]}
 * Times are seconds since the recogniser started (or was last reset).
 */
export interface VoskWord {
  word: string;
  start: number;
  end: number;
  conf: number;
}

export class VoskResultError extends Error {
  override name = 'VoskResultError';
}

function parseObject(json: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new VoskResultError(`Vosk ${what} is not JSON: ${json.slice(0, 80)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new VoskResultError(`Vosk ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function parseWords(v: unknown, what: string): VoskWord[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new VoskResultError(`Vosk ${what} word list is not an array`);
  return v.map((w: unknown, i) => {
    const o = w as Partial<Record<keyof VoskWord, unknown>>;
    if (typeof o !== 'object' || o === null || typeof o.word !== 'string' || typeof o.start !== 'number' || typeof o.end !== 'number' || !(o.end >= o.start)) {
      throw new VoskResultError(`Vosk ${what} word ${i} is malformed: ${JSON.stringify(w).slice(0, 80)}`);
    }
    return { word: o.word, start: o.start, end: o.end, conf: typeof o.conf === 'number' ? o.conf : 1 };
  });
}

export function parseFinal(json: string): { text: string; words: VoskWord[] } {
  const o = parseObject(json, 'result');
  if (typeof o.text !== 'string') throw new VoskResultError('Vosk result has no "text"');
  return { text: o.text, words: parseWords(o.result, 'result') };
}

export function parsePartial(json: string): { text: string; words: VoskWord[] } {
  const o = parseObject(json, 'partial result');
  if (typeof o.partial !== 'string') throw new VoskResultError('Vosk partial result has no "partial"');
  return { text: o.partial, words: parseWords(o.partial_result, 'partial result') };
}
