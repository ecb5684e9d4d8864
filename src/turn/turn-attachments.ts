import type { Logger } from 'pino';
import { AssistantError } from '../assistant/thread-manager';
import type { UploadQueue, UploadResult } from '../assistant/upload-queue';
import type { PieceStore } from '../recognition/cloud-transcriber';
import type { FileLedger } from '../spool/file-ledger';
import { isNoSpace } from '../spool/storage-guard';
import type { SpooledPiece, SpooledSnapshot, TurnRecord, TurnSpool } from '../spool/turn-spool';
import type { TurnEvent } from './turn-events';

export interface TurnAttachmentsOptions {
  spool: TurnSpool;
  uploads: UploadQueue;
  ledger: FileLedger;
  emit: (e: TurnEvent) => void;
  /**
   * The question's audio to text (cloud mode): `cloud` (fails with an AssistantError: `retry` holds the
   * question, `failed` means the API cannot take this audio) and `offline`, the device's own recogniser.
   */
  transcription?: { cloud(audio: Buffer): Promise<string>; offline(audio: Buffer): Promise<string> };
  log?: Logger;
}

/** Said to the model before a text the offline recogniser made. */
export const OFFLINE_TRANSCRIPT_NOTE = '(This is an offline transcript of the spoken question and may contain errors.)';

/** A frame kept for a question, as the camera gave it. */
export interface TakenPicture {
  jpeg: Buffer;
  sha256: string;
  /** The frame's index in the camera's stream, and its time on the audio clock. */
  index: number;
  t: number;
}

/**
 * A turn's attachments, from the moment each is made until its question goes.
 * Pictures: each is written to the turn's spool directory and uploaded at once,
 * side by side; its file id (or why it has none) is recorded in the turn and
 * the uploaded file in the ledger. What is still in flight for a turn is known
 * here alone, so the question waits for it (bounded), and a picture left
 * without an id is uploaded again from the spool before the question goes.
 * The question's audio (cloud mode): each piece is named in the turn's record
 * and written to its spool directory before it is transcribed, its text kept
 * there; a piece left without text is transcribed from the spool before the
 * question goes.
 */
export class TurnAttachments {
  /** Per turn, the work still running: uploads, and stills still being taken. */
  private readonly running = new Map<string, Map<string, Promise<void>>>();

  constructor(private readonly o: TurnAttachmentsOptions) {}

  /** The picture joins the turn: spooled, and its upload started at once. Resolves when both are done; never rejects. */
  addSnapshot(turn: TurnRecord, picture: TakenPicture): Promise<void> {
    const snap: SpooledSnapshot = { file: `snap-${turn.snapshots.length + 1}-${picture.index}.jpg`, sha256: picture.sha256, bytes: picture.jpeg.length, frameTime: picture.t };
    turn.snapshots.push(snap);
    // The upload starts now, beside the spool write, and is awaited only at "reply".
    const uploading = this.o.uploads.upload(picture.jpeg, snap.file);
    const saved = this.o.spool.saveJpeg(turn.id, snap.file, picture.jpeg).then(() => this.o.spool.save(turn));
    // Its failure is reported once the upload is done too; marked handled now, so a write failing first is no unhandled rejection.
    saved.catch(() => undefined);
    return this.follow(turn, snap, uploading, saved);
  }

  /** Work that will add a picture to the turn (a still being taken): the question waits for it like an upload. */
  expect(turnId: string, key: string, job: Promise<void>): void {
    this.track(turnId, key, job);
  }

  /** How many pictures of the turn are still being taken or uploaded. */
  inFlight(turnId: string): number {
    return this.running.get(turnId)?.size ?? 0;
  }

  /** Resolves when every picture of the turn now in flight has landed (spooled, uploaded or failed). */
  async landed(turnId: string): Promise<void> {
    await Promise.allSettled(this.running.get(turnId)?.values() ?? []);
  }

  /**
   * Before the question goes: waits at most `waitMs` for its pictures in flight; a picture with no file id
   * and nothing running for it (its upload failed before, or the device restarted) is uploaded again.
   */
  async settle(turn: TurnRecord, waitMs: number): Promise<void> {
    const running = this.running.get(turn.id) ?? new Map<string, Promise<void>>();
    const jobs = [...running.values(), ...turn.snapshots.filter((s) => !s.fileId && !running.has(s.file)).map((s) => this.reupload(turn, s))];
    if (!jobs.length) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((r) => {
      timer = setTimeout(r, waitMs);
    });
    await Promise.race([Promise.allSettled(jobs), limit]);
    clearTimeout(timer);
  }

  /** The turn is answered or dropped: nothing of it is waited for any more. */
  forget(turnId: string): void {
    this.running.delete(turnId);
  }

  private reupload(turn: TurnRecord, snap: SpooledSnapshot): Promise<void> {
    return this.follow(
      turn,
      snap,
      this.o.spool.readJpeg(turn.id, snap.file).then((jpeg) => this.o.uploads.upload(jpeg, snap.file)),
    );
  }

  /** Records the upload's outcome, then (after the picture's own write, if any) the turn's record; in flight until then. */
  private follow(turn: TurnRecord, snap: SpooledSnapshot, uploading: Promise<UploadResult>, written?: Promise<void>): Promise<void> {
    const done = this.record(snap, uploading)
      .then(() => written)
      .then(() => this.o.spool.save(turn))
      .catch((e: Error) => this.spoolFailed(e));
    this.track(turn.id, snap.file, done);
    return done;
  }

  /** The upload's outcome in the snapshot's record (its file id, or why it has none), in the events, and in the ledger. */
  private record(snap: SpooledSnapshot, uploading: Promise<UploadResult>): Promise<void> {
    return uploading.then(
      async (u) => {
        snap.fileId = u.fileId;
        delete snap.error;
        this.o.emit({ event: 'upload', file_id: u.fileId, sha256: snap.sha256, ms: Math.round(u.ms), bytes: u.bytes, attempts: u.attempts });
        await this.o.ledger.add(u.fileId);
      },
      (e: Error) => {
        snap.error = e.message;
        this.o.emit({ event: 'upload-failed', sha256: snap.sha256, reason: e.message });
      },
    );
  }

  /** Where the cloud transcriber keeps the turn's pieces of audio: named in its record in order, spooled, their text kept. */
  pieceStore(turn: TurnRecord): PieceStore {
    const spool = this.o.spool;
    const failed = (e: Error) => this.spoolFailed(e);
    return {
      add: (seconds) => {
        const pieces = (turn.pieces ??= []);
        const piece: SpooledPiece = { file: `audio-${pieces.length + 1}.flac`, seconds: Math.round(seconds * 1000) / 1000 };
        pieces.push(piece);
        spool.expect(turn.id, piece.file);
        return piece;
      },
      // A full disk (or any failed write) loses nothing in memory: the piece still goes, the question with it.
      write: (piece, flac) => spool.saveFile(turn.id, piece.file, flac).then(() => spool.save(turn)).catch(failed),
      transcribed: (piece, text) => {
        piece.text = text;
        spool.save(turn).catch(failed);
      },
    };
  }

  /**
   * Before the question goes: every spooled piece of its audio gets its text, once. Those without go to the
   * cloud now (a failure rejects, and the sender holds the question, kept, like any other); audio the cloud
   * refuses is decoded offline. The question's text is then the pieces' texts in order.
   */
  async transcribePieces(record: TurnRecord): Promise<void> {
    const pieces = record.pieces ?? [];
    const transcription = this.o.transcription;
    if (!pieces.length || !transcription) return;
    for (const p of pieces) {
      if (p.text !== undefined) continue;
      let audio: Buffer;
      try {
        audio = await this.o.spool.readFile(record.id, p.file);
      } catch (e) {
        // Never written (the disk was full) and never transcribed: nothing is left of it to send.
        this.o.emit({ event: 'error', stage: 'transcription', message: `a piece of the question is lost: ${(e as Error).message}` });
        p.text = '';
        continue;
      }
      try {
        p.text = await transcription.cloud(audio);
      } catch (e) {
        if (!(e instanceof AssistantError) || e.kind !== 'failed') throw e;
        this.o.log?.warn({ turn: record.id, err: e.message }, 'the cloud cannot transcribe this audio: using the offline recogniser');
        p.text = await transcription.offline(audio);
        p.offline = true;
      }
      // A full disk keeps the text in memory: the question goes all the same.
      await this.o.spool.save(record).catch((e: unknown) => {
        if (!isNoSpace(e)) throw e;
      });
    }
    const text = pieces.map((p) => p.text).filter(Boolean).join(' ');
    record.text = pieces.some((p) => p.offline) ? `${OFFLINE_TRANSCRIPT_NOTE} ${text}` : text;
  }

  /** A full disk is reported once by the storage guard (and loses nothing: the picture is kept in memory). */
  private spoolFailed(e: Error): void {
    if (!isNoSpace(e)) this.o.emit({ event: 'error', stage: 'spool', message: e.message });
  }

  private track(turnId: string, key: string, job: Promise<void>): void {
    let jobs = this.running.get(turnId);
    if (!jobs) this.running.set(turnId, (jobs = new Map()));
    const mine = jobs;
    mine.set(key, job);
    // Only work in flight is waited for; a finished upload has left its file id (or not) in the record.
    const landed = () => {
      if (mine.get(key) === job) mine.delete(key);
    };
    job.then(landed, landed);
  }
}
