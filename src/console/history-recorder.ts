import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TurnEvent } from '../turn/turn-events';
import type { HistoryStore } from './history-store';

/**
 * Feeds the history from the turn events the service already emits, read only: a question is recorded when it
 * is safe on disk (`queued`) or sent (`message`), its pictures linked from the spool's turn directory then;
 * actions, the answer, timings and errors follow. Nothing flows back into the turn.
 */
export class HistoryRecorder {
  /** Spool turn id -> history id. */
  private readonly byTurn = new Map<string, string>();
  /** The question being answered now (tools, the reply and errors carry no turn id). */
  private current?: string;
  /** Problems before the question they belong to was closed (a failed snapshot or upload). */
  private early: string[] = [];
  /** Questions typed on the page, by their spool turn id. */
  private readonly typed = new Set<string>();

  constructor(
    private readonly store: HistoryStore,
    private readonly turnDir: (turn: string) => string,
  ) {}

  /** The console asked this question: it is recorded as from the page. */
  fromPage(turn: string): void {
    this.typed.add(turn);
  }

  onEvent(e: TurnEvent): void {
    switch (e.event) {
      case 'queued':
        this.entryFor(e.turn, e.text);
        break;
      case 'message': {
        const id = this.entryFor(e.turn, e.text);
        this.current = id;
        this.store.update(id, (h) => {
          h.text = e.text;
          h.state = 'asked';
        });
        break;
      }
      case 'held': {
        const id = this.byTurn.get(e.turn);
        if (id) this.store.update(id, (h) => h.errors.push(`held: ${e.reason} (tried again in ${e.retry_in_s} s)`));
        break;
      }
      case 'tool':
        if (this.current) this.store.update(this.current, (h) => h.actions.push({ name: e.name, arguments: e.arguments, output: e.output }));
        break;
      case 'reply':
        if (this.current) this.store.update(this.current, (h) => (h.answer = e.text));
        break;
      case 'timings': {
        const id = this.byTurn.get(e.turn);
        if (!id) break;
        this.store.update(id, (h) => {
          h.state = 'answered';
          h.timings = {
            ...(e.keyword_to_capture_ms ? { keywordToCaptureMs: e.keyword_to_capture_ms } : {}),
            ...(e.reply_to_request_ms !== undefined ? { replyToRequestMs: e.reply_to_request_ms } : {}),
            ...(e.request_to_first_token_ms !== undefined ? { firstTokenMs: e.request_to_first_token_ms } : {}),
            ...(e.first_token_to_first_audio_ms !== undefined ? { firstAudioMs: e.first_token_to_first_audio_ms } : {}),
          };
        });
        this.byTurn.delete(e.turn);
        if (this.current === id) this.current = undefined;
        void this.store.thumbnails(id);
        break;
      }
      case 'snapshot-failed':
        this.early.push(`snapshot failed: ${e.reason}`);
        break;
      case 'upload-failed':
        this.early.push(`picture upload failed: ${e.reason}`);
        break;
      case 'error':
        if (this.current) this.store.update(this.current, (h) => h.errors.push(`${e.stage}: ${e.message}`));
        break;
      case 'cancelled':
        this.early = [];
        break;
      default:
        break;
    }
  }

  private entryFor(turn: string, text: string): string {
    const known = this.byTurn.get(turn);
    if (known) return known;
    const entry = this.store.add({ turn, from: this.typed.delete(turn) ? 'page' : 'voice', text, pictureFiles: this.picturesOf(turn) });
    if (this.early.length) {
      const early = this.early;
      this.store.update(entry.id, (h) => h.errors.push(...early));
      this.early = [];
    }
    this.byTurn.set(turn, entry.id);
    return entry.id;
  }

  /** The spool's JPEGs of a turn (snap-<n>-<frame>.jpg), in the order taken. */
  private picturesOf(turn: string): string[] {
    const dir = this.turnDir(turn);
    try {
      return readdirSync(dir)
        .filter((f) => /^snap-\d+-\d+\.jpg$/.test(f))
        .sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]))
        .map((f) => join(dir, f));
    } catch {
      return [];
    }
  }
}
