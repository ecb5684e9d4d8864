/**
 * What a turn reports, one object per step. The replay CLI prints these as JSON
 * lines; the service logs them. Times are seconds on the audio clock.
 */
export type TurnEvent =
  | { event: 'keyword'; word: string; start: number; end: number; detected_at: number }
  | { event: 'snapshot'; frame_index: number; frame_time: number; bytes: number; sha256: string }
  | { event: 'snapshot-failed'; reason: string }
  | { event: 'cancelled'; pictures: number }
  | { event: 'upload'; file_id: string; sha256: string; ms: number }
  | { event: 'upload-failed'; sha256: string; reason: string }
  | { event: 'message'; text: string; file_ids: string[]; dialect: string }
  | { event: 'tool'; name: string; arguments: string; output: string }
  | { event: 'reply'; text: string }
  | { event: 'spoken'; sentences: number; wav?: string }
  | { event: 'error'; stage: string; message: string };
