import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { SAMPLE_RATE, samplesIn, type AudioChunk } from '../audio/audio-source';
import { SpeechActivity } from '../audio/speech-activity';
import type { PieceStore, QuestionTranscript } from '../recognition/cloud-transcriber';
import type { FileJanitor } from '../assistant/file-janitor';
import type { Frame, FrameSource } from '../camera/frame';
import type { Indicator } from '../indicator/indicator';
import type { CommandEvent, CommandRecognitionEvent, HeardWord } from '../recognition/recogniser';
import { isNoSpace } from '../spool/storage-guard';
import type { TurnRecord, TurnSpool } from '../spool/turn-spool';
import type { ConfirmationGate } from './confirmation-gate';
import { questionText } from './question-text';
import type { TurnAttachments } from './turn-attachments';
import type { TurnEvent } from './turn-events';
import type { TurnSender } from './turn-sender';

export interface CommandWords {
  snapshot: string;
  reply: string;
  /** Heard only while an action waits for the user's yes. */
  confirm?: string;
  /** Discards the question so far and its pictures. */
  cancel?: string;
  /** Ends playback; heard while the appliance speaks (the barge-in gate passes it), kept out of questions. */
  stop?: string;
}

export interface TurnLogicOptions {
  /**
   * The configured words, for what is reported only (the button's reply is logged as the reply word): keywords
   * act by the role the recogniser boundary gave them, and transcripts come with their command words marked.
   */
  commands: CommandWords;
  /** Absent when the device runs voice-only (no camera at boot). */
  frames?: FrameSource;
  spool: TurnSpool;
  /** Each picture's spool write and upload. */
  attachments: TurnAttachments;
  /** Deletes a dropped question's pictures on OpenAI. */
  janitor: FileJanitor;
  sender: TurnSender;
  gate?: ConfirmationGate;
  indicator: Indicator;
  log: Logger;
  emit: (e: TurnEvent) => void;
  /**
   * Audio seconds after "reply" ends to wait for the transcript of the words
   * before it; the transcript engine closes an utterance only after silence.
   */
  transcriptWaitSeconds?: number;
  /**
   * Another transcriber (the cloud): a question's transcript is opened at its first snapshot (pieces go while the
   * user speaks) or at "reply" (one request), and its text replaces the offline one.
   */
  transcriber?: { open(from: number, store?: PieceStore): QuestionTranscript };
  /**
   * The longest pause inside a question (`question.maxPauseSeconds`, default 4): the question is the speech
   * running up to "reply" without a longer one, reaching back at least to its first snapshot's utterance.
   */
  maxPauseSeconds?: number;
  /** Whether speech that may become a question is held (the recording LED): on with it, off when it lapses or goes. */
  onQuestion?: (open: boolean) => void;
  /** Whether the device's own voice plays during [start, end] (audio clock): that audio is never part of a question. */
  playingDuring?: (start: number, end: number) => boolean;
  /** Audio before this time can be part of no question any more: it is forgotten (the cloud's copy too). */
  forget?: (before: number) => void;
}

interface PendingQuestion {
  transcript?: QuestionTranscript;
  reply: CommandEvent;
  /** A question typed on the console: its text instead of the words heard. */
  typed?: string;
  /** Nothing before this is in the question (the last reply's end, or speech already forgotten). */
  from: number;
  /** The start of the question's first snapshot word: the question reaches back at least to its utterance. */
  anchor?: number;
  turn?: TurnRecord;
  prefix: string;
  heardAt: number;
}

/**
 * One question at a time: words and snapshots gather from the previous "reply"
 * on; "snapshot" takes the frame from the instant the word began, keeps it in
 * the spool and starts its upload at once; "reply" closes the question, which
 * goes to the sender as soon as its transcript is complete, while listening
 * (and the next question) carries on.
 */
export class TurnLogic {
  private words: HeardWord[] = [];
  private keywords: CommandEvent[] = [];
  /** The question being asked, from its first snapshot on (spooled). */
  private current?: TurnRecord;
  /** Words of a question restored after a restart, heard before it. */
  private prefix = '';
  /** Nothing before this can be part of the next question: the last reply's end, moved on as speech lapses. */
  private questionStart = 0;
  /** The start of the open question's first snapshot word. */
  private anchor?: number;
  private readonly activity = new SpeechActivity();
  private questionHeld = false;
  /** The open question's cloud transcript, from its first snapshot on. */
  private transcript?: QuestionTranscript;
  /** When the device's own voice played (audio clock): cut out of any question's audio. */
  private playback: Array<[number, number]> = [];
  private transcribedUntil = -Infinity;
  private audioTime = 0;
  private readonly pending: PendingQuestion[] = [];

  constructor(private readonly o: TurnLogicOptions) {}

  /** What the recogniser heard; a keyword acts by its role (given at the recogniser boundary), whatever the word. */
  onRecognition(e: CommandRecognitionEvent): void {
    if (e.type === 'transcript') {
      for (const w of e.words) this.activity.note(w.start, w.end);
      this.words.push(...e.words);
      this.transcribedUntil = Math.max(this.transcribedUntil, e.end);
      this.noteWords();
    } else {
      this.o.emit({ event: 'keyword', word: e.word, role: e.role, start: e.start, end: e.end, detected_at: e.detectedAt });
      this.activity.note(e.start, e.end);
      this.keywords.push(e);
      switch (e.role) {
        case 'snapshot':
          this.takeSnapshot(e);
          break;
        case 'reply':
          this.closeQuestion(e);
          break;
        case 'confirm':
          this.o.gate?.confirm();
          break;
        case 'cancel':
          // "cancel" while an action waits for its yes is a no; otherwise it drops the question so far.
          if (!this.o.gate?.decline()) this.cancelQuestion(e);
          break;
        case 'stop':
          // Playback's (the barge-in gate acts on it); here it only stays out of the question.
          break;
      }
    }
    this.release();
    this.noteHeld();
  }

  /** Pictures taken for the question still open. */
  get pictures(): number {
    return this.current?.snapshots.length ?? 0;
  }

  /** The microphone's audio, every chunk: where the speech is (the question's bounds), and the clock. */
  onAudio(chunk: AudioChunk): void {
    const end = chunk.t + samplesIn(chunk.pcm) / SAMPLE_RATE;
    const playing = this.o.playingDuring?.(chunk.t, end) ?? false;
    if (playing) {
      const last = this.playback.at(-1);
      if (last && chunk.t - last[1] < 0.05) last[1] = end;
      else this.playback.push([chunk.t, end]);
    }
    this.activity.push(chunk, playing);
    this.onAudioTime(end);
  }

  /** The audio clock moved on: a question waiting for its transcript may go now; speech that lapsed is forgotten. */
  onAudioTime(t: number): void {
    this.audioTime = t;
    this.transcript?.advance(this.activity.speech, t, this.cuts());
    this.release();
    this.forgetLapsed();
    this.noteHeld();
  }

  /**
   * Without a snapshot, speech followed by a pause longer than maxPauseSeconds can never be part of a question:
   * its words and audio are dropped. Judged a transcript's wait late, once the offline words for it are in.
   */
  private forgetLapsed(): void {
    if (this.current || this.pending.length) return;
    const horizon = this.activity.chainStart(this.audioTime - (this.o.transcriptWaitSeconds ?? 3), this.maxPause, this.questionStart);
    if (horizon <= this.questionStart) return;
    this.questionStart = horizon;
    this.words = this.words.filter((w) => w.end > horizon);
    this.keywords = this.keywords.filter((k) => k.end > horizon);
    this.activity.forgetBefore(horizon);
    this.playback = this.playback.filter(([, e]) => e > horizon);
    this.o.forget?.(horizon);
  }

  /** The recording LED: on while speech that may become a question is held (or a snapshot opened one). */
  private noteHeld(): void {
    const last = this.activity.lastEnd;
    const held = !!this.current || (last > this.questionStart && this.audioTime - last <= this.maxPause);
    if (held === this.questionHeld) return;
    this.questionHeld = held;
    this.o.onQuestion?.(held);
  }

  private get maxPause(): number {
    return this.o.maxPauseSeconds ?? 4;
  }

  /** The button's short press: the question ends at `t` (shared clock), as if "reply" had been said then. */
  replyNow(t: number): void {
    this.closeQuestion({ type: 'keyword', word: this.o.commands.reply, role: 'reply', start: t, end: t, detectedAt: t });
    this.release();
    this.noteHeld();
  }

  /**
   * A question typed on the console: it closes the open question (its pictures kept) with this text instead of
   * the words heard, after a picture of the frame captured at `snapshotAt` if given. Returns its turn id.
   */
  ask(text: string, t: number, snapshotAt?: number): string {
    if (snapshotAt !== undefined) this.takeSnapshot({ type: 'keyword', word: this.o.commands.snapshot, role: 'snapshot', start: snapshotAt, end: snapshotAt, detectedAt: t });
    const turn = this.openTurn();
    this.closeQuestion({ type: 'keyword', word: this.o.commands.reply, role: 'reply', start: t, end: t, detectedAt: t }, text);
    this.release();
    return turn.id;
  }

  /** The button's long press: the open question (its words and pictures) is dropped; the next one starts at `t`. */
  startOver(t: number): void {
    const dropped = this.current;
    this.current = undefined;
    this.prefix = '';
    this.words = this.words.filter((w) => w.start >= t);
    this.keywords = this.keywords.filter((k) => k.start >= t);
    this.questionStart = t;
    this.anchor = undefined;
    // Transcriptions in flight are dropped with the question, and its audio with them.
    this.transcript?.discard();
    this.transcript = undefined;
    this.o.forget?.(t);
    this.noteHeld();
    if (!dropped) return;
    // Removed only after its pictures' last write.
    const attachments = this.o.attachments;
    void attachments
      .landed(dropped.id)
      .then(() => attachments.forget(dropped.id))
      .then(() => this.o.spool.remove(dropped.id))
      // The pictures already on OpenAI go too: nobody will ask about them.
      .then(() => this.o.janitor.discard(dropped.snapshots.flatMap((s) => (s.fileId ? [s.fileId] : []))))
      .catch((e: Error) => this.spoolFailed(e));
  }

  /**
   * Turns found in the spool at start: finished questions go to the sender; an
   * open one (no "reply" yet) becomes the current question, pictures and words kept.
   */
  restore(records: TurnRecord[]): void {
    for (const r of records) {
      this.o.emit({ event: 'restored', turn: r.id, state: r.state, snapshots: r.snapshots.length });
      if (r.state === 'open' && !this.current) {
        this.current = r;
        this.prefix = r.text;
      } else {
        // A second open one (only one can be current) goes as it is; submit closes it.
        this.o.sender.submit(r);
      }
    }
  }

  /** End of input: the recogniser has been flushed; send what is waiting and wait for every answer. */
  async finish(): Promise<void> {
    this.transcribedUntil = Infinity;
    this.release();
    await this.o.sender.settled();
    await this.o.sender.quiet();
  }

  private openTurn(): TurnRecord {
    this.current ??= { id: this.o.spool.newId(), createdAt: Date.now(), state: 'open', text: this.textUntil(Infinity), snapshots: [], attempts: 0 };
    return this.current;
  }

  private takeSnapshot(k: CommandEvent): void {
    const heard = performance.now();
    if (this.anchor === undefined) {
      this.anchor = k.start;
      // The question is certain now: its audio starts going (spooled first) while the user speaks.
      if (this.o.transcriber) this.transcript = this.o.transcriber.open(this.activity.chainStart(k.start, this.maxPause, this.questionStart), this.o.attachments.pieceStore(this.openTurn()));
    }
    const frames = this.o.frames;
    const frame = frames?.frameAt(k.start, k.end);
    if (!frame && frames?.capture) {
      const turn = this.openTurn();
      // A still camera takes its picture now; the snapshot keeps its place in this question meanwhile,
      // and the sender waits for it (bounded) like an upload still in flight.
      const job = frames
        .capture(k.start)
        .then((f) => (f ? this.keep(f, turn, heard) : this.cameraUnavailable('no still came from the camera')))
        .catch((e: Error) => this.cameraUnavailable(`the still camera failed: ${e.message}`));
      this.o.attachments.expect(turn.id, `capture-${k.start}`, job);
      return;
    }
    if (!frame) {
      void this.cameraUnavailable(frames ? 'no camera frame was buffered' : 'the camera is not available');
      return;
    }
    void this.keep(frame, this.openTurn(), heard);
  }

  /** Says so: the user asked for a picture and gets none. */
  private cameraUnavailable(reason: string): Promise<void> {
    this.o.emit({ event: 'snapshot-failed', reason });
    this.o.log.warn({ reason }, 'snapshot failed');
    this.o.sender.announce('The camera is not available.');
    return Promise.resolve();
  }

  /** The frame joins the question: spooled, and its upload started at once. Resolves when both are done. */
  private keep(frame: Frame, turn: TurnRecord, heard: number): Promise<void> {
    this.o.indicator.set('snapshot');
    const sha256 = createHash('sha256').update(frame.jpeg).digest('hex');
    this.o.emit({ event: 'snapshot', frame_index: frame.index, frame_time: frame.t, bytes: frame.jpeg.length, sha256 });
    this.o.sender.noteCapture(turn.id, performance.now() - heard);
    const done = this.o.attachments.addSnapshot(turn, { jpeg: frame.jpeg, sha256, index: frame.index, t: frame.t });
    this.o.indicator.set('listening');
    return done;
  }

  /** The words so far go to the spool with the open question, so a restart keeps them. */
  private noteWords(): void {
    const turn = this.current;
    if (!turn) return;
    turn.text = this.textUntil(Infinity);
    this.o.spool.save(turn).catch((e: Error) => this.spoolFailed(e));
  }

  private textUntil(to: number): string {
    return [this.prefix, questionText(this.words, this.keywords, this.questionStart, to)].filter(Boolean).join(' ');
  }

  private closeQuestion(reply: CommandEvent, typed?: string): void {
    this.pending.push({
      reply,
      from: this.questionStart,
      ...(this.anchor !== undefined ? { anchor: this.anchor } : {}),
      ...(this.transcript ? { transcript: this.transcript } : {}),
      turn: this.current,
      prefix: this.prefix,
      heardAt: performance.now(),
      ...(typed !== undefined ? { typed } : {}),
    });
    this.anchor = undefined;
    this.transcript = undefined;
    this.current = undefined;
    this.prefix = '';
    this.questionStart = reply.end;
  }

  /** "cancel" forgets the words and pictures gathered since the last reply (spool included), and says so. */
  private cancelQuestion(k: CommandEvent): void {
    const pictures = this.current?.snapshots.length ?? 0;
    this.startOver(k.end);
    this.o.emit({ event: 'cancelled', pictures });
    this.o.sender.announce(cancelNotice(pictures));
  }

  /**
   * Where a closed question begins: the speech running up to its "reply" without a pause longer than maxPause,
   * reaching back at least to the utterance of its first snapshot; never before `q.from`.
   */
  private questionFrom(q: PendingQuestion): number {
    const toReply = this.activity.chainStart(q.reply.start, this.maxPause, q.from);
    return q.anchor !== undefined ? Math.min(toReply, this.activity.chainStart(q.anchor, this.maxPause, q.from)) : toReply;
  }

  /** A spool write failed; a full disk is reported once by the storage guard (and loses nothing: the question is in memory). */
  private spoolFailed(e: Error): void {
    if (!isNoSpace(e)) this.o.emit({ event: 'error', stage: 'spool', message: e.message });
  }

  /** What is never part of a question's audio: the command words, and whatever the device's own speaker played. */
  private cuts(): Array<[number, number]> {
    return [...this.keywords.map((k): [number, number] => [k.start, k.end]), ...this.playback];
  }

  private release(): void {
    const wait = this.o.transcriptWaitSeconds ?? 3;
    while (this.pending.length) {
      const q = this.pending[0]!;
      const complete = q.typed !== undefined || this.transcribedUntil >= q.reply.start || this.audioTime >= q.reply.end + wait;
      if (!complete) return;
      this.pending.shift();
      const from = this.questionFrom(q);
      const offline = questionText(this.words, this.keywords, from, q.reply.start);
      // The cloud's transcript of the same audio, when configured; the sender waits for it (it falls back to the offline text).
      // The command words said inside it are cut out of the audio by their times (and out of the text by matching).
      // So is whatever played from the device's own speaker meanwhile.
      const cut = this.cuts().filter(([s, e]) => e > from && s < q.reply.start);
      const turn = q.turn ?? { id: this.o.spool.newId(), createdAt: Date.now(), state: 'open', text: '', snapshots: [], attempts: 0 };
      turn.text = q.typed ?? [q.prefix, offline].filter(Boolean).join(' ');
      turn.state = 'closed';
      // A question typed on the console is its text: no audio of it goes to be transcribed.
      if (q.typed !== undefined) q.transcript?.discard();
      const transcript = q.typed !== undefined ? undefined : (q.transcript ?? this.o.transcriber?.open(from, this.o.attachments.pieceStore(turn)));
      const refined = transcript?.finish(q.reply.start, cut, turn.text, this.activity.speech);
      this.words = this.words.filter((w) => w.start >= q.reply.end);
      this.keywords = this.keywords.filter((k) => k.end > q.reply.end);
      this.o.sender.submit(turn, q.heardAt, refined);
    }
  }
}

function cancelNotice(pictures: number): string {
  if (pictures === 0) return 'Cancelled.';
  return `Cancelled, and ${pictures === 1 ? 'one picture' : `${pictures} pictures`} discarded.`;
}
