// The shapes audit/ answers with: filters, pages, joined entries and the verify report.

export interface Page {
  limit: number;
  offset: number;
}

export interface AccessFilter {
  accountId?: string;
  username?: string;
  unit?: string;
  cameraId?: string;
  action?: string;
  reasonCategory?: string;
  outcome?: 'granted' | 'refused';
  /** Entries written at or after this instant (at_ms). */
  fromMs?: number;
  /** Entries written before this instant. */
  toMs?: number;
}

export interface SystemFilter {
  actorId?: string;
  event?: string;
  target?: string;
  fromMs?: number;
  toMs?: number;
}

/** An open or refused entry of the access register, with its close (if any) joined in. */
export interface AccessEntry {
  id: number;
  atMs: number;
  outcome: 'granted' | 'refused';
  accountId: string | null;
  username: string;
  displayName: string;
  unit: string;
  roles: string[];
  action: string;
  cameraIds: string[];
  fromMs: number | null;
  toMs: number | null;
  reasonCategory: string | null;
  reasonText: string | null;
  requestId: string | null;
  clientAddr: string | null;
  refusalCode: string | null;
  refusalArticle: string | null;
  refusalMessage: string | null;
  /** From the close entry: null while the access is still open (or was refused). */
  closedBy: number | null;
  bytes: number | null;
  endedMs: number | null;
  durationMs: number | null;
  /** The entry's chain hash (hex), so a printed or exported row can be matched to the register. */
  hash: string;
}

export interface SystemEntry {
  id: number;
  atMs: number;
  actorId: string | null;
  actorUsername: string | null;
  actorName: string | null;
  actorUnit: string | null;
  event: string;
  target: string | null;
  details: Record<string, unknown>;
  clientAddr: string | null;
  hash: string;
}

export interface PageOf<T> {
  items: T[];
  total: number;
}

export type ProblemKind =
  | 'hash_mismatch' // a field of the row was changed after it was written
  | 'chain_broken' // the row's prev_hash is not the previous row's hash (row inserted, removed or moved)
  | 'row_missing' // a gap in seq: rows deleted from the middle
  | 'row_inserted' // a self-consistent row the next row skips over: it was slipped in
  | 'reordered' // the row links to an earlier row that is not its neighbour (rows swapped or moved)
  | 'tail_deleted' // rows after the last survivor are gone (a checkpoint or this process knew of them)
  | 'checkpoint_bad_signature' // forged or altered checkpoint
  | 'checkpoint_foreign_key' // signed by a key other than this installation's
  | 'checkpoint_mismatch' // the row a checkpoint covers no longer has the signed hash
  | 'close_orphan' // a close entry does not point at an earlier open entry
  | 'camera_index_mismatch'; // access_register_cameras does not match camera_ids

export interface AuditProblem {
  kind: ProblemKind;
  seq?: number;
  message: string;
}

export interface LogReport {
  entries: number;
  checkpoints: number;
  problems: AuditProblem[];
}

export interface AuditVerifyReport {
  ok: boolean;
  logs: { access: LogReport; system: LogReport };
}

export interface AuditVerifyOptions {
  /** Stop listing problems of one log after this many (the count of entries still covers everything). */
  maxProblems?: number;
}
