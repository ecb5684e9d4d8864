import OpenAI, { toFile } from 'openai';
import { SAMPLE_RATE } from '../audio/audio-source';
import { QuestionAudio } from '../audio/question-audio';
import type { AudioChunk } from '../audio/audio-source';
import type { SpeechSpan } from '../audio/speech-activity';
import { encodeFlac } from '../audio/flac';
import { describeApiError } from '../assistant/api-errors';
import { AssistantError } from '../assistant/thread-manager';
import { RetryPolicy } from '../retry/retry-policy';
import type { SpooledPiece } from '../spool/turn-spool';
import type { CommandRules } from './command-words';

export interface CloudTranscriberOptions {
  client: OpenAI;
  /** gpt-4o-transcribe or newer. */
  model: string;
  language?: string;
  /** All attempts of one request together (the retry policy's budget). */
  timeoutMs: number;
  /** Backoff between attempts; 429, 5xx, a broken connection are tried again within `timeoutMs`. */
  backoffMs?: number;
  /** Requests in flight at once (`transcription.concurrency`); the rest wait their turn. */
  concurrency?: number;
  /** The longest piece sent (and spooled) in one (`spool.maxQuestionSeconds`): a longer stretch is split. */
  maxPieceSeconds?: number;
  rules: CommandRules;
  /** Why the offline text was used instead. */
  onFallback: (reason: string) => void;
  /** Each piece's way out, when it was answered (the bench's account of where the time goes). */
  onPiece?: (marks: PieceMarks) => void;
}

/** One piece of a question on its way: wall-clock seconds (hrtime) of each step, and where it was cut. */
export interface PieceMarks {
  /** Audio clock: the piece's end, and the audio heard when it was cut (the pause waited for). */
  end: number;
  heardTo: number;
  seconds: number;
  cut: number;
  encoded: number;
  spooled: number;
  answered: number;
}

const wallSeconds = () => Number(process.hrtime.bigint()) / 1e9;

/** Audio shorter than this is not worth a request (the API refuses under 0.1 s). */
const MIN_SECONDS = 0.3;
/**
 * A piece of the question ends at every pause the speech-activity analysis finds (it joins words closer than
 * 0.2 s), as soon as it is heard: "reply" may come next, after a natural pause of 0.2-0.5 s, and the piece must
 * be on its way by then to be transcribed when "reply" is recognised (docs/measurements.md). Pieces are
 * therefore utterances, not merged to a few seconds: merging would hold the last one back.
 */
const PIECE_PAUSE_SECONDS = 0.2;
/**
 * After speech as short as a command word, a pause counts only this much later: the word (said just before it)
 * has been recognised by then, and is cut out of the piece. "snapshot" comes about 0.2-0.3 s after its end;
 * "reply" once 0.45 s of quiet followed it, and the recogniser's lag (it ends the question: no piece of its own).
 */
const KEYWORD_LAG_SECONDS = 0.7;
const COMMAND_WORD_SECONDS = 0.9;

/** Where a question's pieces are kept before they are sent (the turn's spool), and their text once it came. */
export interface PieceStore {
  /** A piece is coming (in order): named in the turn now, written by `write`. */
  add(seconds: number): SpooledPiece;
  /** Its audio (FLAC) on disk; a failed write is reported there and the piece still goes. */
  write(piece: SpooledPiece, flac: Buffer): Promise<void>;
  transcribed(piece: SpooledPiece, text: string): void;
}

/** One question's transcription as the turn logic drives it. */
export interface QuestionTranscript {
  /** The question's speech so far (`speech`, up to `now`): the pieces finished by a pause are sent now. */
  advance(speech: SpeechSpan[], now: number, cut: Array<[number, number]>): void;
  /** "reply" at `to`: the rest goes; resolves to the question's text, or `offline` when the cloud cannot say. */
  finish(to: number, cut: Array<[number, number]>, offline: string, speech?: SpeechSpan[]): Promise<string>;
  /** "cancel": results still coming are dropped. */
  discard(): void;
}

/**
 * Cloud transcription of the question (POST /audio/transcriptions). The microphone's audio is held in memory
 * from where a question may begin (the turn logic says what can be forgotten). Once a question is certain (it
 * has a snapshot), its audio is cut at pauses into pieces of a few seconds, each sent as soon as it is
 * finished while the user goes on speaking, so at "reply" little or nothing is left; a question without a
 * snapshot goes in one request at "reply". The command words are cut out by their times and, should any be
 * left, out of the text; they are named in the prompt so they come back spelt the same way.
 */
export class CloudTranscriber {
  // Room for a long question without a snapshot (held whole until "reply"): 10 min, 19 MB.
  private readonly audio = new QuestionAudio(600);
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly policy: RetryPolicy;
  private readonly words: string[];

  constructor(private readonly o: CloudTranscriberOptions) {
    this.policy = new RetryPolicy({ firstMs: o.backoffMs ?? 500, maxMs: o.timeoutMs, budgetMs: o.timeoutMs });
    this.words = Object.values(o.rules.words);
  }

  /** Every chunk the microphone hears. */
  hear(chunk: AudioChunk): void {
    this.audio.push(chunk);
  }

  /** Audio before `t` can be part of no question: it goes from memory. */
  forget(t: number): void {
    this.audio.forgetBefore(t);
  }

  /** A question beginning at `from` (audio clock); its pieces kept in `store` before they are sent. */
  open(from: number, store?: PieceStore): QuestionTranscript {
    return new OpenQuestion(this, from, store, this.o.maxPieceSeconds ?? 300);
  }

  /** The question spoken in [from, to) without `cut`, in one request, or `offline` when the cloud cannot say. */
  transcribe(from: number, to: number, offline: string, cut: Array<[number, number]> = []): Promise<string> {
    return this.open(from).finish(to, cut, offline);
  }

  /** @internal The audio of [from, to) without `cut`; what is before `to` is forgotten. */
  take(from: number, to: number, cut: Array<[number, number]>): Buffer {
    return this.audio.take(from, to, cut);
  }

  /**
   * One request for audio (FLAC, or WAV), with a slot and retries within the budget; its text without the
   * command words. Fails with an AssistantError: `retry` (no network, 429, 5xx) or `failed` (the API refused it).
   */
  async request(audio: Buffer, filename = 'question.flac'): Promise<string> {
    await this.slot();
    try {
      const type = filename.endsWith('.wav') ? 'audio/wav' : 'audio/flac';
      const { value } = await this.policy.run(
        async (_n, leftMs) =>
          this.o.client.audio.transcriptions
            .create(
              {
                file: await toFile(audio, filename, { type }),
                model: this.o.model,
                response_format: 'json',
                ...(this.o.language ? { language: this.o.language } : {}),
                prompt: `A spoken question to a camera appliance. The speaker may say the command words ${this.words.map((w) => `"${w}"`).join(', ')} on their own between phrases.`,
              },
              // One attempt may take half the budget: a stalled request leaves room for another.
              { timeout: Math.max(1, Math.min(leftMs, this.o.timeoutMs / 2)), maxRetries: 0 },
            )
            .catch((e: unknown) => {
              throw describeApiError(e, this.o.client.baseURL, 'transcribing the question');
            }),
        AssistantError.failureOf,
      );
      return withoutCommandWords(value.text, this.words);
    } finally {
      this.release();
    }
  }

  /** @internal */
  marks(m: PieceMarks): void {
    this.o.onPiece?.(m);
  }

  /** @internal */
  fallback(reason: string): void {
    this.o.onFallback(reason);
  }

  private slot(): Promise<void> {
    if (this.active < (this.o.concurrency ?? 2)) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

class OpenQuestion implements QuestionTranscript {
  private pieceStart: number;
  private readonly pieces: Array<Promise<string>> = [];
  private discarded = false;

  constructor(
    private readonly t: CloudTranscriber,
    from: number,
    private readonly store: PieceStore | undefined,
    private readonly maxPieceSeconds: number,
  ) {
    this.pieceStart = from;
  }

  advance(speech: SpeechSpan[], now: number, cut: Array<[number, number]>): void {
    if (this.discarded) return;
    for (;;) {
      const end = pieceEnd(speech, now, this.pieceStart);
      if (end === undefined) return;
      this.send(end, cut, now);
    }
  }

  finish(to: number, cut: Array<[number, number]>, offline: string, speech?: SpeechSpan[]): Promise<string> {
    // What is left: usually only "reply" itself (cut out) and the pause before it.
    const left = speech ? speechWithin(speech, this.pieceStart, to, cut) : Infinity;
    if (to > this.pieceStart && left >= 0.1) this.send(to, cut, to);
    else this.t.take(this.pieceStart, to, cut);
    const pieces = this.pieces;
    return Promise.allSettled(pieces).then((results) => {
      const texts = results.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length) {
        const why = failed[0]!.reason instanceof Error ? failed[0]!.reason.message : String(failed[0]!.reason);
        if (!texts.length) {
          this.t.fallback(`cloud transcription failed, using the offline text: ${why}`);
          return offline;
        }
        this.t.fallback(`cloud transcription of ${failed.length} of ${results.length} parts of the question failed: ${why}`);
      }
      if (!texts.length && pieces.length && offline) {
        this.t.fallback('cloud transcription: empty text, using the offline text');
        return offline;
      }
      return texts.join(' ');
    });
  }

  discard(): void {
    this.discarded = true;
  }

  private send(end: number, cut: Array<[number, number]>, heardTo: number): void {
    const cutAt = wallSeconds();
    const all = this.t.take(this.pieceStart, end, cut);
    this.pieceStart = end;
    if (all.length < MIN_SECONDS * SAMPLE_RATE * 2) return;
    // Longer than a piece may be (the API's file limit): split, not cut.
    const step = Math.round(this.maxPieceSeconds * SAMPLE_RATE) * 2;
    for (let off = 0; off < all.length; off += step) {
      const pcm = all.subarray(off, off + step);
      // Named in the turn at once (so pieces keep their order), on disk before it is sent.
      const spooled = this.store?.add(pcm.length / 2 / SAMPLE_RATE);
      const flac = encodeFlac(pcm);
      const encoded = wallSeconds();
      const job = (async () => {
        if (spooled) await this.store!.write(spooled, flac);
        const spooledAt = wallSeconds();
        const text = await this.t.request(flac);
        this.t.marks({ end, heardTo, seconds: pcm.length / 2 / SAMPLE_RATE, cut: cutAt, encoded, spooled: spooledAt, answered: wallSeconds() });
        if (spooled && !this.discarded) this.store!.transcribed(spooled, text);
        return this.discarded ? '' : text;
      })();
      // A rejection is kept for finish(); nobody may be waiting yet.
      job.catch(() => undefined);
      this.pieces.push(job);
    }
  }
}

/**
 * Where the piece from `start` ends, if a pause ends it: inside the first pause of PIECE_PAUSE_SECONDS after it,
 * whether the user went on speaking or the pause is going on now. After speech as short as a command word the
 * cut waits KEYWORD_LAG_SECONDS longer, so the word's detection has come and it is cut out of the piece.
 */
export function pieceEnd(speech: SpeechSpan[], now: number, start: number): number | undefined {
  const spans = speech.filter((s) => s.end > start);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    const pause = (spans[i + 1]?.start ?? now) - s.end;
    if (pause < PIECE_PAUSE_SECONDS) {
      if (i + 1 < spans.length) continue;
      return undefined;
    }
    const lag = s.end - s.start < COMMAND_WORD_SECONDS ? KEYWORD_LAG_SECONDS : 0;
    return now - s.end >= PIECE_PAUSE_SECONDS + lag ? s.end + PIECE_PAUSE_SECONDS / 2 : undefined;
  }
  return undefined;
}

/** Seconds of speech in [from, to) outside `cut`. */
function speechWithin(speech: SpeechSpan[], from: number, to: number, cut: Array<[number, number]>): number {
  let total = 0;
  for (const s of speech) {
    let a = Math.max(s.start, from);
    const b = Math.min(s.end, to);
    if (b <= a) continue;
    let len = b - a;
    for (const [cs, ce] of cut) len -= Math.max(0, Math.min(b, ce) - Math.max(a, cs));
    total += Math.max(0, len);
    a = b;
  }
  return total;
}

/** The question without the command words said in it ("What is this? Snapshot. Is it ripe? Reply." -> "What is this? Is it ripe?"). */
export function withoutCommandWords(text: string, words: string[]): string {
  const re = new RegExp(`(^|[\\s,.;:!?]+)(?:${words.map((w) => w.replace(/[^\p{L}']/gu, '')).join('|')})(?=$|[\\s,.;:!?]+)[.,;:!]*`, 'giu');
  return text.replace(re, '$1').replace(/\s{2,}/g, ' ').replace(/\s+([.,;:!?])/g, '$1').trim();
}
