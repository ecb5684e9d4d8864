/** Word clean-up shared by the recognisers. */

/** Fillers and markers that are not words of the speaker: <s>, </s>, <sil>, [NOISE], ++NOISE++, <unk>. */
export function isFiller(word: string): boolean {
  const w = word.trim();
  return w === '' || /^<.*>$/.test(w) || /^\[.*\]$/.test(w) || /^\+\+.*\+\+$/.test(w);
}

/** Lower-cases and strips an alternate-pronunciation suffix: "reply(2)" -> "reply". */
export function normaliseWord(word: string): string {
  return word.trim().replace(/\(\d+\)$/, '').toLowerCase();
}

/** Validates and normalises a keyword list: non-empty, single lower-case words, no duplicates. */
export function normaliseKeywords(keywords: readonly string[], makeError: (msg: string) => Error): string[] {
  if (!Array.isArray(keywords) || keywords.length === 0) throw makeError('at least one keyword is required');
  const out: string[] = [];
  for (const k of keywords) {
    if (typeof k !== 'string' || !/^\p{L}[\p{L}']*$/u.test(k.trim().toLowerCase())) throw makeError(`invalid keyword ${JSON.stringify(k)}: one word of letters expected`);
    const w = k.trim().toLowerCase();
    if (!out.includes(w)) out.push(w);
  }
  return out;
}
