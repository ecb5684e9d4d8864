import type { Logger } from 'pino';
import type { AnswerEvent, Question, ThreadManager } from '../assistant/thread-manager';
import { AssistantError } from '../assistant/thread-manager';
import type { Indicator } from '../indicator/indicator';
import type { JsonStateFile } from '../spool/json-state-file';
import type { TurnRecord, TurnSpool } from '../spool/turn-spool';
import { RetryPolicy } from '../retry/retry-policy';
import { isNoSpace } from '../spool/storage-guard';
import { sentencesOf } from '../speech/sentence-splitter';
import type { Speaker } from '../speech/speaker';
import { confirmationPrompt } from './confirmation-gate';
import type { TurnAttachments } from './turn-attachments';
import type { TurnEvent } from './turn-events';

export interface SendPolicy {
  /** At "reply", how long to wait for pictures still uploading before sending without them. */
  uploadWaitMs: number;
  /** First wait before trying a held question again (doubled each time, up to maxRetryMs). */
  retryMs: number;
  maxRetryMs: number;
  /** Wait after a refusal that needs a person (bad key, forbidden, retired API). */
  refusedRetryMs: number;
  /** A question older than this is given up (said aloud) instead of sent. */
  maxAgeMs: number;
}

export interface TurnSenderOptions {
  spool: TurnSpool;
  threads: ThreadManager;
  /** The questions' pictures: waited for (bounded) before a question goes. */
  attachments: TurnAttachments;
  speaker: Speaker;
  indicator: Indicator;
  log: Logger;
  emit: (e: TurnEvent) => void;
  policy: SendPolicy;
  confirmWord: string;
  /** When the last question went, kept across restarts, for starting afresh after a quiet spell. */
  conversation?: JsonStateFile<{ lastAskedAt?: number }>;
  /** 0: one conversation for ever (until the button's long press). */
  resetAfterIdleMs?: number;
  /**
   * Why no question can go now (no API key yet), or undefined. A question is then kept in the spool, not tried,
   * until `retryNow()` (the key came) or `policy.refusedRetryMs`.
   */
  blocked?: () => { reason: string; spoken: string } | undefined;
  /** Called after a new conversation starts: the old one's files can go (the file janitor's deleteAll). */
  onReset?: () => Promise<void>;
  /** Whether the device's storage is full (nothing more could be deleted): see `submit`. */
  storageFull?: () => boolean;
}

/** The message of a question of only command words: nothing was said but the pictures were taken, and the model is told so. */
export const PICTURES_ONLY = '(The user took these pictures and said nothing else.) What do you see?';

/** Said when a question is refused: the storage is full and the one before it, in memory only, cannot go yet. */
export const STORAGE_FULL_REFUSED = 'My storage is full, so I cannot keep this question until the one before it is sent.';

/** Said to the model before a question the cloud could not transcribe. */

/** Wall-clock marks of one turn, for its timings line. */
interface Marks {
  reply?: number;
  request?: number;
  firstToken?: number;
  keywordToCapture: number[];
}

type Outcome = { kind: 'done' } | { kind: 'held'; retryMs: number };

/** How often a question the server acknowledged is looked for before it is taken as lost and sent again. */
const SENT_LOOKUPS = 3;

/**
 * Sends closed questions, one at a time and in order, from the spool: waits
 * (bounded) for their pictures, sends each exactly once (a question whose fate
 * is unknown is looked for in the conversation before any new attempt), speaks
 * the answer as it streams, and keeps a question that cannot go now in the
 * spool, telling the user, until the API answers again.
 */
export class TurnSender {
  private readonly queue: TurnRecord[] = [];
  private readonly marks = new Map<string, Marks>();
  private readonly durable = new Map<string, Promise<void>>();
  /** The cloud transcript of a question, on its way: it replaces the offline text before the question goes. */
  private readonly refined = new Map<string, Promise<string>>();
  /** Fresh questions whose first write (and `queued` event) is their `sending` write. */
  private readonly unqueued = new Set<string>();
  private running?: Promise<void>;
  private wake?: () => void;
  private heldSince?: string;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private drainWaiters: Array<() => void> = [];
  private voice: Promise<void> = Promise.resolve();
  private holding = false;
  /** retryNow() came while a question was being tried (or its hold being said): the wait after it is skipped. */
  private retryPending = false;
  /** A held question is tried again for ever: backoff without a budget. */
  private readonly retry: RetryPolicy;

  constructor(private readonly o: TurnSenderOptions) {
    this.retry = new RetryPolicy({ firstMs: o.policy.retryMs, maxMs: o.policy.maxRetryMs });
  }

  /** The button's long press, or a long quiet spell: the next question opens a new conversation. */
  async newConversation(): Promise<void> {
    await this.o.threads.reset();
    this.o.log.info('new conversation');
    await this.o.onReset?.().catch((e: Error) => this.o.log.warn({ err: e.message }, 'could not delete the old conversation\'s files'));
  }

  private async resetIfIdle(): Promise<void> {
    const idle = this.o.resetAfterIdleMs ?? 0;
    if (!idle || !this.o.conversation) return;
    const { lastAskedAt } = await this.o.conversation.read();
    if (lastAskedAt !== undefined && Date.now() - lastAskedAt > idle) await this.newConversation();
  }

  noteCapture(turnId: string, ms: number): void {
    this.marksOf(turnId).keywordToCapture.push(ms);
  }

  /**
   * A closed question (or one found unfinished in the spool at start). It is
   * on disk as closed before anything else happens to it; `queued` says so.
   */
  submit(record: TurnRecord, replyAt = performance.now(), refined?: Promise<string>): void {
    this.marksOf(record.id).reply ??= replyAt;
    if (refined) this.refined.set(record.id, refined);
    const fresh = record.state === 'open' || record.state === 'closed';
    if (fresh && this.refused(record, refined)) return;
    if (fresh) record.state = 'closed';
    // A question that can go at once is made safe by its `sending` write, which follows at once:
    // one fsynced write fewer between "reply" and the request. Anything that makes it wait
    // (another question ahead, a picture still uploading) gets its `closed` write first.
    const goesNow = fresh && !refined && !this.queue.length && !this.running && !this.o.attachments.inFlight(record.id) && record.snapshots.every((s) => s.fileId);
    if (goesNow) {
      this.unqueued.add(record.id);
    } else {
      const durable = fresh ? this.o.spool.save(record) : Promise.resolve();
      this.durable.set(
        record.id,
        durable.then(
          () => this.o.emit({ event: 'queued', turn: record.id, text: record.text }),
          // A full disk was reported once already; the question is in memory and goes all the same.
          (e: Error) => (isNoSpace(e) ? undefined : this.o.emit({ event: 'error', stage: 'spool', message: e.message })),
        ),
      );
    }
    this.queue.push(record);
    this.kick();
  }

  /**
   * The last resort of a full disk (old history and leftovers already deleted): while a question kept in memory
   * only cannot go (no network), a new one is refused, said aloud, rather than piling up where a power cut
   * loses them all.
   */
  private refused(record: TurnRecord, refined?: Promise<string>): boolean {
    if (!this.o.storageFull?.() || !this.holding || !this.queue.some((r) => !this.o.spool.onDisk(r.id))) return false;
    refined?.catch(() => undefined);
    this.o.emit({
      event: 'error',
      stage: 'storage',
      message: `a new question was refused: the device's storage is full and the question before it, kept in memory only, cannot be sent yet; free space on the SD card`,
    });
    void this.say(STORAGE_FULL_REFUSED);
    void this.o.spool.remove(record.id);
    return true;
  }

  /** File ids that questions still waiting need (the janitor must keep them). */
  *fileIdsInUse(): Iterable<string> {
    for (const r of this.queue) for (const s of r.snapshots) if (s.fileId) yield s.fileId;
  }

  /** Resolves when nothing is queued, or the head of the queue is held waiting for the API. */
  settled(): Promise<void> {
    if (!this.queue.length || this.holding) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Resolves when every question has been answered or given up (a held one is waited for). */
  drained(): Promise<void> {
    if (!this.queue.length) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }

  /** Try a held question now (the network came back, the button was pressed). */
  retryNow(): void {
    if (this.wake) this.wake();
    else this.retryPending = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private marksOf(id: string): Marks {
    let m = this.marks.get(id);
    if (!m) this.marks.set(id, (m = { keywordToCapture: [] }));
    return m;
  }

  private kick(): void {
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
      if (this.queue.length && !this.stopped) this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (this.queue.length && !this.stopped) {
      const record = this.queue[0]!;
      this.retryPending = false;
      const outcome = await this.attempt(record).catch((e: unknown): Outcome => {
        // A bug or a full disk: say so, keep the turn, try later.
        const message = e instanceof Error ? e.message : String(e);
        this.o.emit({ event: 'error', stage: 'send', message });
        return { kind: 'held', retryMs: this.o.policy.maxRetryMs };
      });
      if (outcome.kind === 'done') {
        this.queue.shift();
        this.unqueued.delete(record.id);
        this.refined.delete(record.id);
        this.o.attachments.forget(record.id);
        this.marks.delete(record.id);
        continue;
      }
      // Asked for while this attempt ran (a key set while the hold was being said): tried again at once.
      if (this.retryPending) continue;
      this.holding = true;
      this.notifyIdle();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, outcome.retryMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      this.holding = false;
    }
    this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
    if (!this.queue.length) {
      const drained = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of drained) w();
    }
  }

  private async attempt(record: TurnRecord): Promise<Outcome> {
    if (Date.now() - record.createdAt > this.o.policy.maxAgeMs) {
      const hours = Math.round((Date.now() - record.createdAt) / 3_600_000);
      this.o.emit({ event: 'error', stage: 'send', message: `a question from ${hours} hours ago could not be sent and is dropped` });
      await this.say(`A question from ${hours} hours ago could not be sent, and I have dropped it.`);
      await this.o.spool.remove(record.id);
      return { kind: 'done' };
    }
    await this.durable.get(record.id);
    this.durable.delete(record.id);
    const blocked = this.o.blocked?.();
    if (blocked) return this.held(record, blocked.reason, blocked.spoken, this.o.policy.refusedRetryMs);
    let events: AsyncIterable<AnswerEvent> | undefined;
    let resumed = false;
    try {
      // A question that may have left is looked for first: found, it is answered from there, never asked again.
      if ((record.state === 'sending' || record.state === 'sent') && record.question) {
        events = await this.o.threads.resume(record.question);
        resumed = events !== undefined;
        if (!events && record.state === 'sent') {
          // The server said it had the question: it may just not be listed yet. Look again a few
          // times before concluding it is lost; only then is it sent again.
          record.lookups = (record.lookups ?? 0) + 1;
          if (record.lookups <= SENT_LOOKUPS) throw new AssistantError('the question the server took is not in the conversation yet', 'retry');
          this.o.log.warn({ turn: record.id }, 'a question the server had taken is not in the conversation: sending it again');
        }
      }
      let question = record.question;
      if (!events) {
        // Not on the server: the question may still gain pictures (a still being taken, an upload that failed before).
        await this.o.attachments.settle(record, this.o.policy.uploadWaitMs);
        const refined = this.refined.get(record.id);
        if (refined) {
          this.refined.delete(record.id);
          record.text = await refined.catch(() => record.text);
        }
        // Pieces of the question's audio the cloud has not transcribed yet (no network, a restart) go first.
        await this.o.attachments.transcribePieces(record);
        if (!record.text && !record.snapshots.length) {
          this.o.log.info('reply with no question and no picture: nothing sent');
          this.unqueued.delete(record.id);
          await this.o.spool.remove(record.id);
          return { kind: 'done' };
        }
        question = { text: record.text || PICTURES_ONLY, fileIds: record.snapshots.flatMap((s) => (s.fileId ? [s.fileId] : [])) };
        await this.resetIfIdle();
        record.question = question;
        record.state = 'sending';
        record.attempts += 1;
        record.dialect = this.o.threads.dialect;
        // A full disk: the question goes from memory; an older record left on disk must not send it again after a restart.
        await this.o.spool.save(record).catch((e: unknown) => {
          if (!isNoSpace(e)) throw e;
          return this.o.spool.forgetOnDisk(record.id);
        });
        if (this.unqueued.delete(record.id)) this.o.emit({ event: 'queued', turn: record.id, text: record.text });
        events = this.o.threads.ask(question);
      }
      const lost = record.snapshots.length - question!.fileIds.length;
      this.o.indicator.set('thinking');
      this.o.emit({ event: 'message', text: question!.text, file_ids: question!.fileIds, dialect: this.o.threads.dialect, turn: record.id, resumed });
      await this.speakAnswer(record, events, lost);
    } catch (e) {
      return this.failed(record, e);
    }
    if (this.heldSince === record.id) this.heldSince = undefined;
    await this.o.spool.remove(record.id);
    this.o.indicator.set('listening');
    return { kind: 'done' };
  }

  private async speakAnswer(record: TurnRecord, events: AsyncIterable<AnswerEvent>, lost: number): Promise<void> {
    const marks = this.marksOf(record.id);
    let replyText = '';
    const o = this.o;
    const deltas = async function* (): AsyncIterable<string> {
      if (lost) yield `${lost === 1 ? 'One picture' : `${lost} pictures`} could not be sent. `;
      for await (const ev of events) {
        if (ev.type === 'request-sent') {
          marks.request ??= performance.now();
          record.state = 'sent';
          o.conversation?.write({ lastAskedAt: Date.now() }).catch(() => undefined);
          // Not awaited: the answer streams on; a crash before this lands leaves 'sending', which is looked up, not resent.
          o.spool.save(record).catch((e: Error) => o.log.error({ err: e.message }, 'spool write failed'));
        } else if (ev.type === 'text-delta') {
          if (!replyText) {
            marks.firstToken ??= performance.now();
            o.indicator.set('speaking');
          }
          replyText += ev.text;
          yield ev.text;
        } else if (ev.type === 'approval-needed') {
          o.emit({ event: 'confirm-request', name: ev.name, arguments: ev.arguments });
          // Its own sentence, spoken before the gate starts listening for the word.
          yield `${replyText && !/[.!?]\s*$/.test(replyText) ? '. ' : ' '}${confirmationPrompt(ev, o.confirmWord)} `;
        } else if (ev.type === 'tool-call') {
          o.emit({ event: 'tool', name: ev.name, arguments: ev.arguments, output: ev.output });
        }
      }
    };
    const spoken = await this.speak(() => this.o.speaker.speak(sentencesOf(deltas())));
    this.o.emit({ event: 'reply', text: replyText });
    this.o.emit({ event: 'spoken', sentences: spoken.sentences, ...(spoken.wav ? { wav: spoken.wav } : {}) });
    const ms = (a?: number, b?: number) => (a !== undefined && b !== undefined ? Math.round((b - a) * 10) / 10 : undefined);
    this.o.emit({
      event: 'timings',
      turn: record.id,
      ...(ms(marks.reply, marks.request) !== undefined ? { reply_to_request_ms: ms(marks.reply, marks.request) } : {}),
      ...(ms(marks.request, marks.firstToken) !== undefined ? { request_to_first_token_ms: ms(marks.request, marks.firstToken) } : {}),
      ...(spoken.firstAudioAt !== undefined && marks.firstToken !== undefined ? { first_token_to_first_audio_ms: ms(marks.firstToken, spoken.firstAudioAt) } : {}),
      ...(marks.keywordToCapture.length ? { keyword_to_capture_ms: marks.keywordToCapture.map((v) => Math.round(v * 1000) / 1000) } : {}),
    });
  }

  private async failed(record: TurnRecord, e: unknown): Promise<Outcome> {
    const err = e instanceof AssistantError ? e : new AssistantError(e instanceof Error ? e.message : String(e), 'retry');
    // The key went away between the check and the request: the question waits for a key, like any asked without one.
    const blocked = err.kind !== 'failed' ? this.o.blocked?.() : undefined;
    if (blocked) return this.held(record, blocked.reason, blocked.spoken, this.o.policy.refusedRetryMs);
    this.o.indicator.set('error', err.message);
    if (err.kind === 'failed') {
      // This question cannot be answered (refused as a request, or cut short): say so and go on.
      this.o.emit({ event: 'error', stage: 'answer', message: err.message });
      await this.say('Sorry, I could not get an answer to that question.');
      await this.o.spool.remove(record.id);
      return { kind: 'done' };
    }
    record.failures = (record.failures ?? 0) + 1;
    record.lastError = err.message;
    const retryMs =
      err.kind === 'refused'
        ? Math.max(this.o.policy.refusedRetryMs, (err.retryAfter ?? 0) * 1000)
        : this.retry.delayMs(record.failures, AssistantError.failureOf(err).retryAfterMs);
    return this.held(
      record,
      err.message,
      err.kind === 'refused'
        ? 'The assistant refused the request; check the device settings. Your question is kept.'
        : 'I cannot reach the assistant right now. Your question is kept and I will send it when I can.',
      retryMs,
    );
  }

  /** Kept in the spool, to be tried again after `retryMs` (or at `retryNow()`); said aloud the first time. */
  private async held(record: TurnRecord, reason: string, spoken: string, retryMs: number): Promise<Outcome> {
    const first = this.heldSince !== record.id;
    await this.o.spool.save(record).catch(() => undefined);
    if (this.unqueued.delete(record.id)) this.o.emit({ event: 'queued', turn: record.id, text: record.text });
    this.o.emit({ event: 'held', turn: record.id, reason, retry_in_s: Math.round(retryMs / 100) / 10 });
    if (first) {
      this.heldSince = record.id;
      await this.say(spoken);
    }
    return { kind: 'held', retryMs };
  }

  /** Resolves when nothing is being said or waiting to be said. */
  quiet(): Promise<void> {
    return this.voice;
  }

  /** A short line for the user (the camera is not available, say), spoken after whatever is being said now. */
  announce(text: string, o: { offline?: boolean } = {}): void {
    void this.say(text, o);
  }

  /** A line said after whatever is being said now; rejects with why when it could not be played (the control channel's "speak"). */
  async sayLine(text: string): Promise<void> {
    const spoken = await this.speak(() => this.o.speaker.speak(sentencesOf(oneLine(text))));
    if (spoken.failed) throw new Error(spoken.failed);
  }

  /** One voice at a time: answers and announcements queue behind each other. */
  private speak<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.voice.then(work);
    this.voice = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private async say(text: string, o: { offline?: boolean } = {}): Promise<void> {
    try {
      await this.speak(() => this.o.speaker.speak(sentencesOf(oneLine(text)), o));
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'could not speak');
    }
  }
}

async function* oneLine(text: string): AsyncGenerator<string> {
  yield text;
}
