// Table types of the whole index, one interface per table. Each table is owned by one module (named in the comment);
// only that module's repo.ts queries it. Times are integer milliseconds since the Unix epoch, UTC (architecture §8).
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Owned by devices/. Compliance fields (place, signage, …) are added by later migrations as nullable columns. */
export interface CameraTable {
  id: string; // UUIDv7
  name: string;
  enabled: number; // 0 | 1
  created_ms: number;
  updated_ms: number;
}

/** Owned by devices/. One row per stream of a camera (main, sub). */
export interface CameraStreamTable {
  id: string; // UUIDv7
  camera_id: string;
  kind: 'main' | 'sub';
  /** The URL without credentials, safe to show to permitted roles. */
  url_redacted: string;
  /** The full URL sealed with the credential key (AES-256-GCM), base64. Never returned by the API or logged. */
  url_sealed: string;
  record: number; // 0 | 1
  created_ms: number;
  updated_ms: number;
}

/** Owned by recording/. A run is continuous recording of one stream; a new run starts after every gap. */
export interface RecordingRunTable {
  id: Generated<number>;
  stream_id: string;
  camera_id: string;
  start_ms: number;
  /** Null while the run is open. */
  end_ms: number | null;
  /** Why the run started: 'start' (recorder start), 'reconnect', 'store_resumed', 'format_change'. */
  start_cause: string;
  /** Why the run ended (the cause of the gap that follows): 'camera_lost', 'shutdown', 'recorder_crash', 'store_full', … */
  end_cause: string | null;
}

/** Owned by recording/. One row per segment file; the row is committed only after the file is durable (storage §4.1). */
export interface SegmentTable {
  id: Generated<number>;
  run_id: number;
  stream_id: string;
  camera_id: string;
  /** Position of the segment in its run, from 0; with run_id it names the file. */
  seq: number;
  start_ms: number;
  end_ms: number;
  /** tfdt of the first fragment, in `timescale` ticks (media time). */
  media_start: number;
  timescale: number;
  size_bytes: number;
  init_size_bytes: number;
  frames: number;
  keyframes: number;
  codec: string; // RFC 6381, e.g. avc1.640028
  width: number;
  height: number;
  sha256: ColumnType<Buffer, Buffer, never>;
  /** Compact per-fragment index (see recording/fragment-index.ts). */
  fragment_index: ColumnType<Buffer, Buffer, never>;
  /** 'ok' | 'recovered' (rebuilt by startup reconciliation from a partial or orphan file). */
  status: string;
  /** Time the row was written. */
  created_ms: number;
}

export interface Database {
  cameras: CameraTable;
  camera_streams: CameraStreamTable;
  recording_runs: RecordingRunTable;
  segments: SegmentTable;
}

export type CameraRow = Selectable<CameraTable>;
export type NewCameraRow = Insertable<CameraTable>;
export type CameraUpdate = Updateable<CameraTable>;
export type CameraStreamRow = Selectable<CameraStreamTable>;
export type NewCameraStreamRow = Insertable<CameraStreamTable>;
export type RecordingRunRow = Selectable<RecordingRunTable>;
export type SegmentRow = Selectable<SegmentTable>;
export type NewSegmentRow = Insertable<SegmentTable>;
