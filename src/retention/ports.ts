// What retention/ needs of other modules, as interfaces wired by app/ (src/app/retention.ts): the segment index
// (recording/), the segment files (storage/), the tombstones (integrity/), camera groups (access/), cameras
// (devices/) and the system log (audit/). retention/ owns only its own tables.
import type { KeyObject } from 'node:crypto';
import type { SystemEventRecorder } from '../access/index.js';
import type { Db, SegmentTombstoneRow } from '../db/index.js';

/** A segment row as the executor needs it: identity, times, hash and chain link (R15). */
export interface SegmentRecord {
  id: number;
  stream_id: string;
  camera_id: string;
  run_id: number;
  seq: number;
  start_ms: number;
  end_ms: number;
  size_bytes: number;
  status: string;
  sha256: Buffer;
  chain_prev: Buffer | null;
  chain_hash: Buffer | null;
}

/** The segment index (recording/'s RecordingRepo satisfies it). */
export interface SegmentIndexPort {
  /** Held segments in id order, page by page; with `endedByMs`, only those whose start and end are both at or before it. */
  retainedSegments(options?: { endedByMs?: number }): AsyncIterable<{ id: number; camera_id: string; start_ms: number; end_ms: number; size_bytes: number }[]>;
  /** Count and bytes of the held segments `retainedSegments({ endedByMs })` leaves out. */
  segmentsNotEndedBy(endedByMs: number): Promise<{ count: number; bytes: number }>;
  segmentsById(ids: readonly number[]): Promise<SegmentRecord[]>;
  markDeleting(id: number): Promise<boolean>;
  /** Puts a segment marked `deleting` back to `status` (a hold placed meanwhile covers it); false if it was not marked. */
  unmarkDeleting(id: number, status: string): Promise<boolean>;
  finishDeletion(id: number, streamId: string): Promise<'removed' | 'kept_as_head'>;
  segmentsInDeletion(): Promise<{ id: number; stream_id: string; status: string }[]>;
  recordedRates(sinceMs: number): Promise<{ camera_id: string; bytes: number; ms: number }[]>;
  storedBytes(): Promise<number>;
}

/**
 * One segment store (storage/'s LocalSegmentStore satisfies it). `deleteSegment` is the only way data is destroyed:
 * it destroys the segment's data key (crypto-shredding, docs/encryption.md), then unlinks the file.
 */
export interface SegmentFilesPort {
  deleteSegment(ref: { cameraId: string; runId: number; seq: number; startMs: number }): Promise<{ fileRemoved: boolean; keyDestroyed: boolean }>;
  freeBytes(): Promise<number>;
  /** After a run's deletions: the destroyed data keys leave the database's files too; false if it must be retried. */
  purgeDestroyedKeys(): Promise<boolean>;
  totalBytes(): Promise<number>;
}

/** Tombstones of lawful deletions (integrity/'s IntegrityRepo satisfies it). */
export interface TombstonePort {
  insertTombstone(row: SegmentTombstoneRow): Promise<void>;
  tombstone(segmentId: number): Promise<SegmentTombstoneRow | undefined>;
}

/** Camera groups with their members (access/ owns them). */
export interface CameraGroupsPort {
  groups(): Promise<{ id: string; cameraIds: string[] }[]>;
}

/** Every camera id of the installation (devices/). */
export interface CameraListPort {
  cameraIds(): Promise<string[]>;
}

/** Alerts that must reach people now: the log, a metric and (for critical ones) the system log. */
export interface RetentionAlertSink {
  (alerts: readonly { kind: string; severity: string; article: string; message: string }[], context: { trigger: string }): void;
}

export interface RetentionDeps {
  db: Db;
  now: () => number;
  events: SystemEventRecorder;
  index: SegmentIndexPort;
  files: SegmentFilesPort;
  tombstones: TombstonePort;
  groups: CameraGroupsPort;
  cameras: CameraListPort;
  /** The installation's Ed25519 key (audit and integrity checkpoints) signs deletion certificates. */
  signingKey: KeyObject;
  /** Free bytes the executor keeps on the store: below it, store pressure applies (never under the floor, R17). */
  minFreeBytes: number;
  /** Bytes recording keeps free (recording.minFreeBytes): the capacity planner's reserve. */
  reserveBytes: number;
  /** Bitrates are measured over segments of this many last days (capacity). */
  rateWindowDays?: number;
  lowHeadroomDays?: number;
}
