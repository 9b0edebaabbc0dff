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

/** Owned by devices/. Where a camera is installed (issue 4): area type and place category codes of domain/. */
export interface CameraPlaceTable {
  camera_id: string;
  area_type: string | null;
  place_category: string | null;
  site: string | null;
  position: string | null;
  necessity: string | null;
  installing_party: string | null;
  /** JSON array of screening hits awaiting review, or null. */
  review: string | null;
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
  /** R15 chain link of the previous segment of the stream (32 zero bytes for the first); null before the chain existed. */
  chain_prev: ColumnType<Buffer | null, Buffer | null | undefined, never>;
  /** R15 chain link: SHA-256(chain_prev ‖ canonical row) — see integrity/link.ts. Null: recorded before the chain. */
  chain_hash: ColumnType<Buffer | null, Buffer | null | undefined, never>;
}

/** Owned by access/. One account. Secrets only as hashes or sealed (see the access migration). */
export interface UserTable {
  id: string; // UUIDv7
  username: string;
  display_name: string;
  unit: string;
  employee_id: string | null;
  phone: string | null;
  password_hash: string; // argon2id PHC string
  password_changed_ms: number;
  must_change_password: number; // 0 | 1
  totp_secret: string | null; // sealed
  totp_pending: string | null; // sealed
  totp_enabled: number; // 0 | 1
  totp_last_step: number | null;
  failed_logins: number;
  locked_until_ms: number | null;
  disabled: number; // 0 | 1
  created_ms: number;
  updated_ms: number;
}

/** Owned by access/. */
export interface UserRoleTable {
  user_id: string;
  role: string;
}

/** Owned by access/. `id` is the SHA-256 (hex) of the session token; the token itself is never stored. */
export interface SessionTable {
  id: string;
  user_id: string;
  csrf_token: string;
  created_ms: number;
  last_seen_ms: number;
  expires_ms: number;
  client_addr: string | null;
}

/** Owned by access/. */
export interface ApiTokenTable {
  id: string; // UUIDv7
  token_hash: string; // SHA-256 (hex) of the token
  user_id: string;
  name: string;
  scopes: string; // JSON array of permissions
  created_ms: number;
  expires_ms: number;
  revoked_ms: number | null;
  last_used_ms: number | null;
}

/** Owned by access/. */
export interface CameraGroupTable {
  id: string; // UUIDv7
  name: string;
  created_ms: number;
  updated_ms: number;
}

/** Owned by access/. Camera ids are opaque (devices/ owns cameras). */
export interface CameraGroupMemberTable {
  group_id: string;
  camera_id: string;
}

/** Owned by access/. A per-camera, per-group or all-cameras grant of actions to one account (R16.2). */
export interface CameraGrantTable {
  id: string; // UUIDv7
  user_id: string;
  scope_kind: 'camera' | 'group' | 'all';
  scope_id: string | null;
  actions: string; // comma-separated camera actions
  created_by: string | null;
  created_ms: number;
}

/** Owned by access/. Vetting and confidentiality agreement of one account (R16.1). */
export interface PersonnelTable {
  user_id: string;
  vetted_ms: number | null;
  confidentiality_signed_ms: number | null;
  updated_ms: number;
}

/** Owned by access/. Completed trainings (R16.1). */
export interface TrainingTable {
  id: string; // UUIDv7
  user_id: string;
  course: string;
  completed_ms: number;
  valid_until_ms: number;
  created_ms: number;
}

/** Owned by access/. Outsourced operation agreements (R15.2, R19). */
export interface ContractorAgreementTable {
  id: string; // UUIDv7
  user_id: string;
  company: string;
  scope: string;
  start_ms: number;
  end_ms: number;
  document_ref: string;
  created_ms: number;
}

/** Owned by audit/. The access register (R16.3): append-only, hash-chained; a close is a new row pointing at its open. */
export interface AccessRegisterTable {
  /** Given explicitly by audit/ (it is hashed); 1, 2, 3, … without gaps. */
  seq: number;
  at_ms: number;
  kind: 'open' | 'refused' | 'close';
  /** For a close entry: the seq of the open entry it closes; else null. */
  for_seq: number | null;
  account_id: string | null;
  username: string;
  display_name: string;
  unit: string;
  /** Comma-separated role names. */
  roles: string;
  action: string;
  /** JSON array of camera ids (hashed as stored). */
  camera_ids: string;
  from_ms: number | null;
  to_ms: number | null;
  reason_category: string | null;
  reason_text: string | null;
  request_id: string | null;
  client_addr: string | null;
  refusal_code: string | null;
  refusal_article: string | null;
  refusal_message: string | null;
  bytes: number | null;
  ended_ms: number | null;
  prev_hash: Buffer;
  hash: Buffer;
}

/** Owned by audit/. One row per (entry, camera), derived from access_register.camera_ids in the same transaction. */
export interface AccessRegisterCameraTable {
  seq: number;
  camera_id: string;
  at_ms: number;
}

/** Owned by audit/. The system log: logins, account, role, grant and personnel changes; chained like the register. */
export interface SystemLogTable {
  seq: number;
  at_ms: number;
  actor_id: string | null;
  actor_username: string | null;
  actor_name: string | null;
  actor_unit: string | null;
  event: string;
  target: string | null;
  /** JSON object (hashed as stored). */
  details: string;
  client_addr: string | null;
  prev_hash: Buffer;
  hash: Buffer;
}

/** Owned by audit/. A signed (Ed25519) chain head of one log. */
export interface AuditCheckpointTable {
  id: Generated<number>;
  log: 'access' | 'system';
  upto_seq: number;
  head_hash: Buffer;
  at_ms: number;
  key_id: string;
  signature: Buffer;
}

/** Owned by integrity/. A lawful deletion (R17) of a segment, keeping its chain link so the chain stays verifiable (R15). */
export interface SegmentTombstoneTable {
  segment_id: number;
  stream_id: string;
  camera_id: string;
  run_id: number;
  seq: number;
  start_ms: number;
  end_ms: number;
  sha256: Buffer;
  chain_prev: Buffer;
  chain_hash: Buffer;
  deleted_ms: number;
  /** Why: e.g. 'retention_expired', 'purpose_fulfilled'. */
  reason: string;
  policy: string | null;
  /** The system-log entry that recorded the deletion. */
  audit_seq: number | null;
}

/** Owned by integrity/. Ed25519-signed chain heads of every stream (R15). */
export interface IntegrityCheckpointTable {
  id: Generated<number>;
  at_ms: number;
  streams: number;
  /** Canonical encoding of the heads (integrity/checkpoint.ts); the signature covers it. */
  heads: Buffer;
  key_id: string;
  signature: Buffer;
}

/** Owner: storage/. One wrapped data key per encrypted segment file (architecture §7). */
export interface SegmentKeyTable {
  /** Data key id (UUIDv7), also in the file's header. */
  id: string;
  /** The file's path relative to the store root. */
  rel: string;
  /** nonce · AES-256-GCM(master key, data key) · tag. */
  wrapped: Buffer;
  /** Fingerprint of the master key that wrapped it. */
  master_key_id: string;
  created_ms: number;
}

export interface Database {
  cameras: CameraTable;
  camera_streams: CameraStreamTable;
  camera_places: CameraPlaceTable;
  recording_runs: RecordingRunTable;
  segments: SegmentTable;
  users: UserTable;
  user_roles: UserRoleTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
  camera_groups: CameraGroupTable;
  camera_group_members: CameraGroupMemberTable;
  camera_grants: CameraGrantTable;
  personnel: PersonnelTable;
  trainings: TrainingTable;
  contractor_agreements: ContractorAgreementTable;
  access_register: AccessRegisterTable;
  access_register_cameras: AccessRegisterCameraTable;
  system_log: SystemLogTable;
  audit_checkpoints: AuditCheckpointTable;
  segment_tombstones: SegmentTombstoneTable;
  integrity_checkpoints: IntegrityCheckpointTable;
  segment_keys: SegmentKeyTable;
}

export type CameraRow = Selectable<CameraTable>;
export type NewCameraRow = Insertable<CameraTable>;
export type CameraUpdate = Updateable<CameraTable>;
export type CameraStreamRow = Selectable<CameraStreamTable>;
export type CameraPlaceRow = Selectable<CameraPlaceTable>;
export type NewCameraStreamRow = Insertable<CameraStreamTable>;
export type RecordingRunRow = Selectable<RecordingRunTable>;
export type SegmentRow = Selectable<SegmentTable>;
export type NewSegmentRow = Insertable<SegmentTable>;
export type UserRow = Selectable<UserTable>;
export type NewUserRow = Insertable<UserTable>;
export type UserUpdate = Updateable<UserTable>;
export type SessionRow = Selectable<SessionTable>;
export type ApiTokenRow = Selectable<ApiTokenTable>;
export type CameraGroupRow = Selectable<CameraGroupTable>;
export type CameraGrantRow = Selectable<CameraGrantTable>;
export type PersonnelRow = Selectable<PersonnelTable>;
export type TrainingRow = Selectable<TrainingTable>;
export type ContractorAgreementRow = Selectable<ContractorAgreementTable>;
export type AccessRegisterRow = Selectable<AccessRegisterTable>;
export type SystemLogRow = Selectable<SystemLogTable>;
export type AuditCheckpointRow = Selectable<AuditCheckpointTable>;
export type SegmentTombstoneRow = Selectable<SegmentTombstoneTable>;
export type IntegrityCheckpointRow = Selectable<IntegrityCheckpointTable>;
export type SegmentKeyRow = Selectable<SegmentKeyTable>;
