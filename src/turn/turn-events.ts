import type { KeywordRole } from '../recognition/command-words';

/**
 * What a turn reports, one object per step. The replay CLI prints these as JSON
 * lines; the service logs them. Times are seconds on the audio clock.
 */
export type TurnEvent =
  | { event: 'keyword'; word: string; role: KeywordRole; start: number; end: number; detected_at: number }
  | { event: 'snapshot'; frame_index: number; frame_time: number; bytes: number; sha256: string }
  | { event: 'snapshot-failed'; reason: string }
  | { event: 'cancelled'; pictures: number }
  | { event: 'upload'; file_id: string; sha256: string; ms: number; bytes: number; attempts: number }
  | { event: 'upload-failed'; sha256: string; reason: string }
  /** The closed question is safe on disk: from here on it is sent, exactly once, whatever happens. */
  | { event: 'queued'; turn: string; text: string }
  | { event: 'message'; text: string; file_ids: string[]; dialect: string; turn: string; resumed: boolean }
  | { event: 'confirm-request'; name: string; arguments: string }
  | { event: 'confirm'; name: string; decision: 'confirmed' | 'declined' | 'timed-out' }
  | { event: 'tool'; name: string; arguments: string; output: string }
  | { event: 'reply'; text: string }
  | { event: 'spoken'; sentences: number; wav?: string }
  /** The question waits in the spool; it is tried again after `retry_in_s`. */
  | { event: 'held'; turn: string; reason: string; retry_in_s: number }
  | { event: 'restored'; turn: string; state: string; snapshots: number }
  /** One line per answered turn with its timings, milliseconds of wall time. */
  | { event: 'timings'; turn: string; reply_to_request_ms?: number; request_to_first_token_ms?: number; first_token_to_first_audio_ms?: number; keyword_to_capture_ms?: number[] }
  | { event: 'error'; stage: string; message: string };
