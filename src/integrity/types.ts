// Types of the integrity chain's verify report and the port it reads segments and files through (R15).
import type { KeyObject } from 'node:crypto';
import type { IntegrityCheckpointRow, SegmentRow } from '../db/index.js';
import type { ExportedCheckpoint } from './export.js';

/**
 * ok — row, link and file all check. altered — the file's bytes/size or a row field changed. missing — the file or the
 * row is gone. unexpected — a file without a row, or a row put into the chain (it does not link, or is skipped by
 * the next link). deleted-lawfully — a tombstone records its deletion (R17). unchained — recorded before the chain
 * existed: its file is still checked against its row, but its row cannot be proven original (not a problem).
 */
export type SegmentStatus = 'ok' | 'altered' | 'missing' | 'unexpected' | 'deleted-lawfully' | 'unchained';

export const PROBLEM_STATUSES: ReadonlySet<SegmentStatus> = new Set(['altered', 'missing', 'unexpected']);

export interface SegmentVerdict {
  status: SegmentStatus;
  /** Null for a row known only by the gap it left, or a file without a row. */
  segmentId: number | null;
  streamId: string | null;
  cameraId: string;
  runId: number | null;
  seq: number | null;
  startMs: number | null;
  /** The segment file, relative to the store root. */
  file: string | null;
  details: string[];
}

export type CheckpointProblemKind =
  | 'foreign_key'
  | 'bad_signature'
  | 'malformed'
  | 'head_not_on_chain'
  /** An exported checkpoint (`--against`) is not in the index any more. */
  | 'exported_checkpoint_missing'
  /** The index holds a checkpoint of the same id with other bytes than its exported copy. */
  | 'exported_checkpoint_differs';

export interface CheckpointProblem {
  checkpointId: number;
  kind: CheckpointProblemKind;
  streamId?: string;
  segmentId?: number;
  message: string;
}

export interface IntegrityCounts {
  ok: number;
  altered: number;
  missing: number;
  unexpected: number;
  'deleted-lawfully': number;
  unchained: number;
}

export interface IntegrityVerifyReport {
  /** True when no segment is altered, missing or unexpected and every checkpoint verifies. */
  ok: boolean;
  streams: number;
  counts: IntegrityCounts;
  /** Every segment whose status is not `ok` (all of them with `listAll`). */
  segments: SegmentVerdict[];
  checkpoints: { checked: number; problems: CheckpointProblem[] };
  filesHashed: number;
  bytesHashed: number;
  elapsedMs: number;
  /** bytesHashed / elapsed, MiB/s. */
  throughputMiBps: number;
}

export interface VerifyProgress {
  segmentsDone: number;
  filesHashed: number;
  bytesHashed: number;
  elapsedMs: number;
}

export interface IntegrityVerifyOptions {
  cameraId?: string;
  fromMs?: number;
  toMs?: number;
  /** List ok segments too (default: only the others). */
  listAll?: boolean;
  /** Files hashed at once (default 4). */
  concurrency?: number;
  onProgress?: (p: VerifyProgress) => void;
  /** Checkpoints exported earlier (export.ts): each must still be in the index, and what it signed on the chains. */
  against?: readonly ExportedCheckpoint[];
}

/** A segment file found in the store. */
export interface SegmentFileInfo {
  rel: string;
  cameraId: string;
  runId: number;
  seq: number;
}

/** What verify reads, wired by app/ over RecordingRepo (segments) and LocalSegmentStore (files). */
export interface IntegritySources {
  streams(cameraId?: string): Promise<{ stream_id: string; camera_id: string }[]>;
  /** One stream's rows in id (chain) order, page by page. */
  streamSegments(streamId: string): AsyncIterable<SegmentRow[]>;
  chainHeads(): Promise<{ stream_id: string; camera_id: string; id: number; chain_hash: Buffer }[]>;
  /** The file a row names, relative to the store root. */
  fileOf(row: { camera_id: string; run_id: number; seq: number; start_ms: number }): string;
  /**
   * Streams the file's plaintext through SHA-256 (an encrypted file is decrypted on the way); null if it does not
   * exist; `problem` when it cannot be read at all (an encrypted file that does not authenticate).
   */
  hashFile(rel: string): Promise<{ sha256: Buffer; sizeBytes: number; problem?: string } | null>;
  /** Every finished segment file (partials are still being written and are left out), of one camera if given. */
  segmentFiles(cameraId?: string): AsyncIterable<SegmentFileInfo>;
  /**
   * Whether the index has a row for this file now. Verify reads the rows before it lists the files, and a recorder
   * commits the file (renamed into place) just before its row: a file that appeared in between is not unexpected.
   */
  hasRowNow(file: SegmentFileInfo): Promise<boolean>;
  /**
   * The system-log entry with this sequence number (audit/, R16.3), or null: a tombstone names the entry that
   * recorded its deletion, and verify checks that the entry really records it (R17).
   */
  systemEntry(seq: number): Promise<{ event: string; target: string | null; details: Record<string, unknown> } | null>;
}

export interface IntegrityDeps {
  sources: IntegritySources;
  /** The Ed25519 key that signs checkpoints (the installation's audit key, docs/integrity.md). */
  signingKey: KeyObject;
  now: () => number;
  checkpointEveryMs: number;
  /**
   * Called with each checkpoint `vigil serve` signs, after it is committed: app/ appends it to the export file kept
   * off the machine (export.ts). A failure is reported to the start() error handler; the checkpoint stays.
   */
  onCheckpoint?: (row: IntegrityCheckpointRow) => Promise<void> | void;
  /** `vigil serve` verifies the whole store this often (0: never on its own); the console shows the outcome. */
  verifyEveryMs?: number;
}
