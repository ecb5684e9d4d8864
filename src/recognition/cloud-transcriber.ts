import OpenAI, { toFile } from 'openai';
import { SAMPLE_RATE } from '../audio/audio-source';
import { QuestionAudio } from '../audio/question-audio';
import type { AudioChunk } from '../audio/audio-source';
import { encodeWav } from '../audio/wav';
import { describeApiError } from '../assistant/api-errors';
import { AssistantError } from '../assistant/thread-manager';
import { RetryPolicy } from '../retry/retry-policy';
import type { CommandRules } from './command-words';

export interface CloudTranscriberOptions {
  client: OpenAI;
  /** gpt-4o-transcribe or newer. */
  model: string;
  language?: string;
  /** All attempts of one transcription together (the retry policy's budget). */
  timeoutMs: number;
  /** Backoff between attempts; 429, 5xx, a broken connection are tried again within `timeoutMs`. */
  backoffMs?: number;
  rules: CommandRules;
  /** Why the offline text was used instead. */
  onFallback: (reason: string) => void;
}

/** Questions shorter than this are not worth a request (and the API refuses very short audio). */
const MIN_SECONDS = 0.3;

/**
 * Optional cloud transcription of the question: the audio since the last
 * reply stays in memory, and at "reply" the question's part of it goes to
 * POST /audio/transcriptions, with the command words as hints so they come
 * back spelt the same way and can be taken out. On any failure the offline
 * recogniser's text stands. The keywords themselves never leave the device.
 */
export class CloudTranscriber {
  private readonly audio = new QuestionAudio();

  constructor(private readonly o: CloudTranscriberOptions) {}

  /** Every chunk the recogniser hears. */
  hear(chunk: AudioChunk): void {
    this.audio.push(chunk);
  }

  /** Audio before `t` can be part of no question: it goes from memory. */
  forget(t: number): void {
    this.audio.forgetBefore(t);
  }

  /**
   * The question spoken in [from, to) (audio clock) without the stretches in `cut` (its command words), or
   * `offline` when the cloud cannot say.
   */
  async transcribe(from: number, to: number, offline: string, cut: Array<[number, number]> = []): Promise<string> {
    const pcm = this.audio.take(from, to, cut);
    if (pcm.length < MIN_SECONDS * SAMPLE_RATE * 2) return offline;
    try {
      const words = Object.values(this.o.rules.words);
      const wav = encodeWav(pcm, SAMPLE_RATE);
      const policy = new RetryPolicy({ firstMs: this.o.backoffMs ?? 500, maxMs: this.o.timeoutMs, budgetMs: this.o.timeoutMs });
      const { value: res } = await policy.run(
        async (_n, leftMs) =>
          this.o.client.audio.transcriptions
            .create(
              {
                file: await toFile(wav, 'question.wav', { type: 'audio/wav' }),
                model: this.o.model,
                response_format: 'json',
                ...(this.o.language ? { language: this.o.language } : {}),
                prompt: `A spoken question to a camera appliance. The speaker may say the command words ${words.map((w) => `"${w}"`).join(', ')} on their own between phrases.`,
              },
              { timeout: Math.max(1, leftMs), maxRetries: 0 },
            )
            .catch((e: unknown) => {
              throw describeApiError(e, this.o.client.baseURL, 'transcribing the question');
            }),
        AssistantError.failureOf,
      );
      const text = withoutCommandWords(res.text, words);
      if (!text && offline) throw new Error('empty transcript');
      return text;
    } catch (e) {
      this.o.onFallback(`cloud transcription failed, using the offline text: ${e instanceof Error ? e.message : String(e)}`);
      return offline;
    }
  }
}

/** The question without the command words said in it ("What is this? Snapshot. Is it ripe? Reply." -> "What is this? Is it ripe?"). */
export function withoutCommandWords(text: string, words: string[]): string {
  const re = new RegExp(`(^|[\\s,.;:!?]+)(?:${words.map((w) => w.replace(/[^\p{L}']/gu, '')).join('|')})(?=$|[\\s,.;:!?]+)[.,;:!]*`, 'giu');
  return text.replace(re, '$1').replace(/\s{2,}/g, ' ').replace(/\s+([.,;:!?])/g, '$1').trim();
}
