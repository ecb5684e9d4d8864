/**
 * Cuts streamed answer text into sentences, so the first one can be spoken
 * while the rest is still arriving. A sentence ends at . ! ? or a line break
 * followed by white space; "e.g." style abbreviations and decimals are kept whole
 * because the break needs white space after the stop.
 */
export class SentenceSplitter {
  private pending = '';

  push(delta: string): string[] {
    this.pending += delta;
    const out: string[] = [];
    const re = /[.!?…]+["')\]]*\s+|\n+/g;
    let last = 0;
    for (let m = re.exec(this.pending); m; m = re.exec(this.pending)) {
      const end = m.index + m[0].length;
      const sentence = this.pending.slice(last, end).trim();
      if (sentence) out.push(sentence);
      last = end;
    }
    this.pending = this.pending.slice(last);
    return out;
  }

  flush(): string[] {
    const rest = this.pending.trim();
    this.pending = '';
    return rest ? [rest] : [];
  }
}

/** Sentences of a text stream, in order, as each completes. */
export async function* sentencesOf(deltas: AsyncIterable<string>): AsyncIterable<string> {
  const splitter = new SentenceSplitter();
  for await (const d of deltas) yield* splitter.push(d);
  yield* splitter.flush();
}
