import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AnswerEvent, Question, ThreadManager, UploadedImage } from '../assistant/thread-manager';
import type { FrameSource } from '../camera/frame';
import type { Indicator } from '../indicator/indicator';
import type { KeywordEvent, RecognitionEvent, TimedWord } from '../recognition/recogniser';
import { sentencesOf } from '../speech/sentence-splitter';
import type { Speaker } from '../speech/speaker';
import { questionText } from './question-text';
import type { TurnEvent } from './turn-events';

export interface CommandWords {
  snapshot: string;
  reply: string;
  /** Discards the question so far and its pictures (issue 4). */
  cancel?: string;
}

export interface TurnLogicOptions {
  commands: CommandWords;
  /** Absent when the device runs voice-only (no camera at boot). */
  frames?: FrameSource;
  threads: ThreadManager;
  speaker: Speaker;
  indicator: Indicator;
  log: Logger;
  emit: (e: TurnEvent) => void;
  /**
   * Audio seconds after "reply" ends to wait for the transcript of the words
   * before it; the transcript engine closes an utterance only after silence.
   */
  transcriptWaitSeconds?: number;
  /** Issue 4: the question's text from another transcriber (the cloud), given the offline text for [from, to). */
  transcribe?: (from: number, to: number, offline: string) => Promise<string>;
}

interface SnapshotJob {
  sha256: string;
  upload: Promise<UploadedImage | undefined>;
}

interface PendingQuestion {
  reply: KeywordEvent;
  from: number;
  snapshots: SnapshotJob[];
}

/**
 * One question at a time: words and snapshots gather from the previous "reply"
 * on; "snapshot" takes the frame from the instant the word began and starts its
 * upload at once; "reply" closes the question, which goes out as soon as its
 * transcript is complete, while listening (and the next question) carries on.
 */
export class TurnLogic {
  private words: TimedWord[] = [];
  private keywords: KeywordEvent[] = [];
  private snapshots: SnapshotJob[] = [];
  private questionStart = 0;
  private transcribedUntil = -Infinity;
  private audioTime = 0;
  private readonly pending: PendingQuestion[] = [];
  private answering: Promise<void> = Promise.resolve();
  private snapshotCount = 0;
  private readonly commandWords: Set<string>;

  constructor(private readonly o: TurnLogicOptions) {
    this.commandWords = new Set([o.commands.snapshot, o.commands.reply, ...(o.commands.cancel ? [o.commands.cancel] : [])].map((w) => w.toLowerCase()));
  }

  onRecognition(e: RecognitionEvent): void {
    if (e.type === 'transcript') {
      this.words.push(...e.words);
      this.transcribedUntil = Math.max(this.transcribedUntil, e.end);
    } else {
      this.o.emit({ event: 'keyword', word: e.word, start: e.start, end: e.end, detected_at: e.detectedAt });
      this.keywords.push(e);
      const word = e.word.toLowerCase();
      if (word === this.o.commands.snapshot.toLowerCase()) this.takeSnapshot(e);
      else if (word === this.o.commands.reply.toLowerCase()) this.closeQuestion(e);
      else if (word === this.o.commands.cancel?.toLowerCase()) this.cancelQuestion(e);
    }
    this.release();
  }

  /** The audio clock moved on: a question waiting for its transcript may go now. */
  onAudioTime(t: number): void {
    this.audioTime = t;
    this.release();
  }

  /** End of input: the recogniser has been flushed; send what is waiting and wait for every answer. */
  async finish(): Promise<void> {
    this.transcribedUntil = Infinity;
    this.release();
    await this.answering;
  }

  private takeSnapshot(k: KeywordEvent): void {
    const frame = this.o.frames?.frameAt(k.start);
    if (!frame) {
      const reason = this.o.frames ? 'no camera frame was buffered' : 'the camera is not available';
      this.o.emit({ event: 'snapshot-failed', reason });
      this.o.log.warn({ reason }, 'snapshot failed');
      return;
    }
    this.o.indicator.set('snapshot');
    const sha256 = createHash('sha256').update(frame.jpeg).digest('hex');
    this.o.emit({ event: 'snapshot', frame_index: frame.index, frame_time: frame.t, bytes: frame.jpeg.length, sha256 });
    const name = `snapshot-${++this.snapshotCount}-${frame.index}.jpg`;
    // Started now, awaited only at "reply": the upload overlaps the rest of the question.
    const upload = this.o.threads.uploadImage(frame.jpeg, name).then(
      (u) => {
        this.o.emit({ event: 'upload', file_id: u.fileId, sha256: u.sha256, ms: Math.round(u.ms) });
        return u;
      },
      (err: Error) => {
        this.o.emit({ event: 'upload-failed', sha256, reason: err.message });
        this.o.log.error({ err: err.message }, 'upload failed');
        return undefined;
      },
    );
    this.snapshots.push({ sha256, upload });
    this.o.indicator.set('listening');
  }

  private closeQuestion(reply: KeywordEvent): void {
    this.pending.push({ reply, from: this.questionStart, snapshots: this.snapshots });
    this.snapshots = [];
    this.questionStart = reply.end;
  }

  /** Issue 4: "cancel" forgets the words and pictures gathered since the last reply, and says so. */
  private cancelQuestion(k: KeywordEvent): void {
    const pictures = this.snapshots.length;
    this.snapshots = [];
    this.words = this.words.filter((w) => w.start >= k.end);
    this.keywords = this.keywords.filter((x) => x.end > k.end);
    this.questionStart = k.end;
    this.o.emit({ event: 'cancelled', pictures });
    this.speakNotice(cancelNotice(pictures));
  }

  private speakNotice(text: string): void {
    this.answering = this.answering.then(async () => {
      await this.o.speaker.speak((async function* () { yield text; })()).catch((e: Error) => this.o.log.error({ err: e.message }, 'notice not spoken'));
    });
  }

  private release(): void {
    const wait = this.o.transcriptWaitSeconds ?? 3;
    while (this.pending.length) {
      const q = this.pending[0]!;
      const complete = this.transcribedUntil >= q.reply.start || this.audioTime >= q.reply.end + wait;
      if (!complete) return;
      this.pending.shift();
      const offline = questionText(this.words, this.keywords, this.commandWords, q.from, q.reply.start);
      const text = this.o.transcribe ? this.o.transcribe(q.from, q.reply.start, offline) : offline;
      this.words = this.words.filter((w) => w.start >= q.reply.end);
      this.keywords = this.keywords.filter((k) => k.end > q.reply.end);
      this.answering = this.answering.then(() => this.answer(text, q.snapshots));
    }
  }

  private async answer(questionSaid: string | Promise<string>, snapshots: SnapshotJob[]): Promise<void> {
    this.o.indicator.set('thinking');
    try {
      const text = await questionSaid;
      const uploads = await Promise.all(snapshots.map((s) => s.upload));
      const fileIds = uploads.filter((u): u is UploadedImage => u !== undefined).map((u) => u.fileId);
      const lost = snapshots.length - fileIds.length;
      if (!text && !fileIds.length) {
        this.o.log.info('reply with no question and no picture: nothing sent');
        this.o.indicator.set('listening');
        return;
      }
      const question: Question = { text: text || 'What do you see?', fileIds };
      this.o.emit({ event: 'message', text: question.text, file_ids: fileIds, dialect: this.o.threads.dialect });
      let replyText = '';
      const deltas = async function* (this: TurnLogic, events: AsyncIterable<AnswerEvent>): AsyncIterable<string> {
        if (lost) yield `${lost === 1 ? 'One picture' : `${lost} pictures`} could not be sent. `;
        for await (const ev of events) {
          if (ev.type === 'text-delta') {
            if (!replyText) this.o.indicator.set('speaking');
            replyText += ev.text;
            yield ev.text;
          } else if (ev.type === 'tool-call') {
            this.o.emit({ event: 'tool', name: ev.name, arguments: ev.arguments, output: ev.output });
          }
        }
      }.call(this, this.o.threads.ask(question));
      const spoken = await this.o.speaker.speak(sentencesOf(deltas));
      this.o.emit({ event: 'reply', text: replyText });
      this.o.emit({ event: 'spoken', sentences: spoken.sentences, ...(spoken.wav ? { wav: spoken.wav } : {}) });
      this.o.indicator.set('listening');
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.o.emit({ event: 'error', stage: 'answer', message });
      this.o.indicator.set('error', message);
    }
  }
}

function cancelNotice(pictures: number): string {
  if (pictures === 0) return 'Cancelled.';
  return `Cancelled, and ${pictures === 1 ? 'one picture' : `${pictures} pictures`} discarded.`;
}
