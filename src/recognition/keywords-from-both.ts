import { SAMPLE_RATE, type AudioChunk } from '../audio/audio-source';
import type { KeywordEvent, Recogniser, RecognitionEvent } from './recogniser';

/** Which engine's keywords count for a word. */
export type KeywordSource = 'both' | 'learned' | 'pocketsphinx';

/**
 * Whose start a word heard by both engines keeps: `first` (the engine that reported first, sent at once), or
 * `learned`, `pocketsphinx` or `earlier` (the first report waits up to `holdSeconds` for the other engine's).
 */
export type StartRule = 'first' | 'learned' | 'pocketsphinx' | 'earlier';

export interface MergeOptions {
  /** Two reports of one word are one when their spans, each widened by this much, overlap. */
  windowSeconds: number;
  start: StartRule;
  /** With a start rule other than `first`: how long a report waits for the other engine's (audio seconds). */
  holdSeconds: number;
  /** Per word; a word not named counts from both. */
  sources: Record<string, KeywordSource>;
}

/**
 * Chosen on the tuning set (docs/measurements.md, "Keywords from both engines"): the first report's start, sent
 * at once (waiting for the other engine's start cost delay and put fewer frames in range); "stop" from the
 * detector alone (PocketSphinx's added false stops in ordinary speech).
 */
export const DEFAULT_MERGE: MergeOptions = { windowSeconds: 0.3, start: 'first', holdSeconds: 0, sources: { stop: 'learned' } };

type Tagged = KeywordEvent & { source: 'learned' | 'pocketsphinx' };

interface Heard {
  event: Tagged;
  /** Set while it waits for the other engine: when it goes anyway. */
  due?: number;
  sent: boolean;
}

/** Both engines' keyword reports, tagged with their engine, in the order they were made. */
export function reportsInOrder(learned: KeywordEvent[], ps: KeywordEvent[]): Array<{ e: KeywordEvent; source: Tagged['source'] }> {
  return [...learned.map((e) => ({ e, source: 'learned' as const })), ...ps.map((e) => ({ e, source: 'pocketsphinx' as const }))].sort((a, b) => a.e.detectedAt - b.e.detectedAt);
}

/**
 * Two engines' keyword reports made into one stream: a word counts when either engine hears it, and the same
 * word from both is one event. Fed in audio order; times are the audio clock's.
 */
export class KeywordMerge {
  private heard: Heard[] = [];

  constructor(private readonly o: MergeOptions) {}

  /** One engine's report at audio time `now`: the events to send now. */
  add(e: KeywordEvent, source: Tagged['source'], now: number): KeywordEvent[] {
    const from = this.o.sources[e.word] ?? 'both';
    if (from !== 'both' && from !== source) return [];
    const w = this.o.windowSeconds;
    const partner = this.heard.find((h) => h.event.word === e.word && h.event.source !== source && e.start - w <= h.event.end && h.event.start - w <= e.end);
    const tagged: Tagged = { ...e, source };
    if (partner) {
      this.heard.splice(this.heard.indexOf(partner), 1);
      if (partner.sent) return [];
      return [this.emit(this.chosen(partner.event, tagged), now)];
    }
    const waits = from === 'both' && this.o.start !== 'first' && this.o.holdSeconds > 0 && !(this.o.start === source);
    if (!waits) {
      this.heard.push({ event: tagged, sent: true });
      return [this.emit(tagged, now)];
    }
    this.heard.push({ event: tagged, due: now + this.o.holdSeconds, sent: false });
    return [];
  }

  /** The audio has reached `now`: reports whose wait is over go, and those too old to pair are forgotten. */
  advance(now: number): KeywordEvent[] {
    const out: KeywordEvent[] = [];
    for (const h of this.heard) {
      if (h.sent || h.due === undefined || h.due > now) continue;
      h.sent = true;
      out.push(this.emit(h.event, now));
    }
    // A partner reports within a few seconds of the word (PocketSphinx's lag is the longer).
    this.heard = this.heard.filter((h) => !h.sent || now - h.event.end < 3);
    return out;
  }

  /** End of input: every waiting report goes. */
  drain(now: number): KeywordEvent[] {
    const out = this.heard.filter((h) => !h.sent).map((h) => this.emit(h.event, now));
    this.heard = [];
    return out;
  }

  private chosen(first: Tagged, second: Tagged): Tagged {
    const rule = this.o.start;
    if (rule === 'first') return first;
    if (rule === 'earlier') return second.start < first.start ? { ...first, start: second.start } : first;
    const from = first.source === rule ? first : second;
    return { ...first, start: from.start, end: Math.max(from.start, first.end) };
  }

  private emit(e: Tagged, now: number): KeywordEvent {
    return { type: 'keyword', word: e.word, start: e.start, end: e.end, detectedAt: Math.max(e.detectedAt, now) };
  }
}

/**
 * The learned detector and PocketSphinx hearing the same audio, their command words merged (KeywordMerge); the
 * transcripts are PocketSphinx's (when it transcribes).
 */
export class KeywordsFromBoth implements Recogniser {
  private readonly merge: KeywordMerge;
  private now = 0;

  constructor(
    private readonly learned: Recogniser,
    private readonly pocketsphinx: Recogniser,
    o: MergeOptions = DEFAULT_MERGE,
  ) {
    this.merge = new KeywordMerge(o);
  }

  accept(chunk: AudioChunk): RecognitionEvent[] {
    const out = this.combine(this.learned.accept(chunk), this.pocketsphinx.accept(chunk));
    this.now = chunk.t + chunk.pcm.length / 2 / SAMPLE_RATE;
    out.push(...this.merge.advance(this.now));
    return out;
  }

  flush(): RecognitionEvent[] {
    const out = this.combine(this.learned.flush(), this.pocketsphinx.flush());
    out.push(...this.merge.drain(this.now));
    return out;
  }

  close(): void {
    this.learned.close();
    this.pocketsphinx.close();
  }

  private combine(learned: RecognitionEvent[], ps: RecognitionEvent[]): RecognitionEvent[] {
    const keywords = (events: RecognitionEvent[]) => events.filter((e): e is KeywordEvent => e.type === 'keyword');
    const out: RecognitionEvent[] = [];
    for (const { e, source } of reportsInOrder(keywords(learned), keywords(ps))) out.push(...this.merge.add(e, source, e.detectedAt));
    out.push(...ps.filter((e) => e.type === 'transcript'));
    return out;
  }
}
