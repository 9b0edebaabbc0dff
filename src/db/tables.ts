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
  /** Who speaks RTSP to this camera: null follows config `ingest.rtspClient`. */
  rtsp_client: 'builtin' | 'ffmpeg' | null;
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
  /** D11: the field of view includes residences (0/1). Added 2026-12-03. */
  faces_residence: ColumnType<number, number | undefined, number>;
  /** R10: near a military zone or classified unit (0/1). */
  near_classified: ColumnType<number, number | undefined, number>;
  /** R10: reference of that unit's written consent. */
  consent_ref: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON: a person's clearance of the screening hits, with the texts they reviewed (devices/place.ts), or null. */
  review_cleared: ColumnType<string | null, string | null | undefined, string | null>;
  angle: ColumnType<string | null, string | null | undefined, string | null>;
  /** S: JSON of the pre-installation assessment, or null. */
  assessment: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Owned by devices/. R13: a sign announcing a camera; the photo is kept in the row with its SHA-256. */
export interface CameraSignageTable {
  id: string;
  camera_id: string;
  text: string;
  installed_ms: number;
  photo: Buffer | null;
  photo_type: string | null;
  photo_sha256: string | null;
  photo_bytes: number | null;
  recorded_by: string | null;
  created_ms: number;
  updated_ms: number;
}

/** Owned by devices/. R13 / D11: the privacy-mask polygons of a camera, as validated JSON. */
export interface CameraMaskTable {
  camera_id: string;
  polygons: string;
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
/** One finished verify run of `vigil serve` (integrity/runs.ts): what the console's integrity status shows. */
export interface IntegrityVerifyRunTable {
  id: Generated<number>;
  started_ms: number;
  finished_ms: number;
  /** 'schedule' | 'manual' */
  trigger: string;
  /** The camera a run was limited to, or null for all. */
  camera_id: string | null;
  ok: number;
  summary: string;
}

export interface IntegrityCheckpointTable {
  id: Generated<number>;
  at_ms: number;
  streams: number;
  /** Canonical encoding of the heads (integrity/checkpoint.ts); the signature covers it. */
  heads: Buffer;
  key_id: string;
  signature: Buffer;
}

/** Owned by compliance/. The duty log of the monitoring room (D17): append-only; corrections name the entry corrected. */
export interface DutyLogTable {
  id: string; // UUIDv7
  /** When the event happened, as the author states it. */
  at_ms: number;
  /** When the entry was written (server clock). */
  written_ms: number;
  kind: 'shift_start' | 'shift_end' | 'observation' | 'handover' | 'correction';
  text: string;
  corrects_id: string | null;
  author_id: string;
  author_username: string;
  author_name: string;
  author_unit: string;
}

/** Owned by compliance/. A recurring duty task (D17, R8.2). */
export interface DutyTaskTable {
  id: string; // UUIDv7
  /** A domain TASK_KINDS code. */
  kind: string;
  title: string;
  scope_kind: 'unit' | 'cameras' | 'systems';
  /** JSON array of camera or system ids ([] for the whole unit). */
  scope_ids: string;
  recurrence_days: number;
  /** CST day 'YYYY-MM-DD'. */
  next_due_day: string;
  active: number; // 0 | 1
  created_by: string | null;
  created_ms: number;
  updated_ms: number;
}

/** Owned by compliance/. One completion of a duty task: append-only. */
export interface DutyTaskCompletionTable {
  id: string; // UUIDv7
  task_id: string;
  done_ms: number;
  recorded_ms: number;
  /** The day the task was due when it was done, and the day it is due next. */
  due_day: string;
  next_due_day: string;
  result: 'ok' | 'issues_found';
  findings: string;
  /** R8.2 checks only: whether a camera was found in an R8.1 area (0 | 1), and the police report reference. */
  forbidden_camera_found: number | null;
  police_report_ref: string | null;
  by_id: string;
  by_name: string;
  by_unit: string;
}

/** Owned by compliance/. A police inspection (R24). */
export interface InspectionTable {
  id: string; // UUIDv7
  inspected_ms: number;
  /** JSON array of the inspectors' names. */
  inspectors: string;
  inspector_unit: string;
  scope: string;
  summary: string;
  recorded_by_id: string;
  recorded_by_name: string;
  created_ms: number;
}

/** Owned by compliance/. One finding of an inspection: rectified by the unit, closed by the inspector. */
export interface InspectionFindingTable {
  id: string; // UUIDv7
  inspection_id: string;
  seq: number;
  article: string;
  description: string;
  /** CST day by which it must be rectified. */
  deadline_day: string;
  rectified_ms: number | null;
  rectification: string | null;
  rectified_by_id: string | null;
  rectified_by_name: string | null;
  closed_ms: number | null;
  closed_by_id: string | null;
  closed_by_name: string | null;
}

/** Owned by compliance/. An issued self-assessment report (D17): append-only, the body as issued. */
export interface SelfAssessmentTable {
  id: string; // UUIDv7
  from_ms: number;
  to_ms: number;
  issued_ms: number;
  issued_by_id: string;
  issued_by_name: string;
  /** JSON of the report. */
  body: string;
}

/** Owned by requests/. A public report (举报, R24). `contact` is personal information: handlers only, never logged. */
export interface ComplaintTable {
  id: string; // UUIDv7
  /** SHA-256 (hex) of the tracking code; the code itself is only ever shown to the reporter. */
  code_hash: string;
  received_ms: number;
  /** The reporter's words, HTML-escaped before storing. */
  what: string;
  where_text: string;
  when_text: string;
  contact: string | null;
  status: 'received' | 'assigned' | 'answered' | 'closed';
  assignee_id: string | null;
  assignee_name: string | null;
  first_public_reply_ms: number | null;
  closed_ms: number | null;
  updated_ms: number;
}

/** Owned by requests/. The response log of a public report: append-only. */
export interface ComplaintResponseTable {
  id: string; // UUIDv7
  complaint_id: string;
  at_ms: number;
  kind: 'note' | 'reply' | 'assign' | 'close';
  /** 1: shown to the reporter on the public status page. */
  public: number;
  text: string;
  by_id: string;
  by_name: string;
  by_unit: string;
}

/** Owned by devices/. A system of cameras at one location (R11, D12–D14). */
export interface SystemTable {
  id: string; // UUIDv7
  name: string;
  location: string;
  /** A SYSTEM_LIFECYCLE code of domain/. */
  lifecycle: string;
  state_since_ms: number;
  in_use_since_ms: number | null;
  created_ms: number;
  updated_ms: number;
}

/** Owned by devices/. An archive document of a system (D14), with its file as a blob (≤ 10 MiB) and SHA-256. */
export interface SystemDocumentTable {
  id: string; // UUIDv7
  system_id: string;
  kind: string;
  title: string;
  /** JSON array of { name, role }. */
  parties: string;
  document_date: string;
  file_name: string | null;
  file_type: string | null;
  file_bytes: ColumnType<Buffer | null, Buffer | null, never>;
  /** Hex SHA-256 of file_bytes. */
  file_sha256: string | null;
  file_size_bytes: number | null;
  added_ms: number;
  added_by: string;
}

/** Owned by devices/. Every lifecycle transition of a system, with who made it. */
export interface SystemTransitionTable {
  id: string; // UUIDv7
  system_id: string;
  from_state: string;
  to_state: string;
  at_ms: number;
  actor: string;
  note: string;
}

/** Owned by devices/. Which system a camera belongs to (at most one), and its capture-device type for the filing. */
export interface SystemCameraTable {
  camera_id: string;
  system_id: string;
  /** A DEVICE_TYPES code of domain/. */
  device_type: string;
  updated_ms: number;
}

/** Owned by compliance/. The management unit's profile: one row, id 'unit'. */
export interface ManagementUnitTable {
  id: string;
  name: string;
  unit_type: string;
  credit_code: string;
  contact_person: string;
  contact_phone: string;
  address: string;
  updated_ms: number;
}

/** Owned by compliance/. A filing (R14) as submitted, and the police receipt once recorded. */
export interface FilingSubmissionTable {
  id: string; // UUIDv7
  system_id: string;
  submitted_ms: number;
  submitted_by: string;
  /** The FilingRecord as filed, JSON. */
  record: string;
  receipt_number: string | null;
  receiving_organ: string | null;
  receipt_date: string | null;
  receipt_recorded_ms: number | null;
}

/** Owned by compliance/. When a filed fact of a system first differed from its last submission. */
export interface FilingChangeTable {
  system_id: string;
  submission_id: string;
  first_changed_ms: number;
  /** JSON array of fact names. */
  facts: string;
}

/** Owned by retention/. One retention policy (R17); scope_id is '' for the default scope. */
export interface RetentionPolicyTable {
  id: string; // UUIDv7
  scope_kind: 'camera' | 'group' | 'default';
  scope_id: string;
  retention_days: number;
  sector: string | null;
  sector_days: number | null;
  legal_basis: string | null;
  ceiling_days: number | null;
  delete_after_purpose: number; // 0 | 1
  created_ms: number;
  updated_ms: number;
}

/** Owned by retention/. A legal hold (R17, S); lifting it takes two different accounts (four eyes). */
export interface LegalHoldTable {
  id: string; // UUIDv7
  /** JSON array of camera ids. */
  camera_ids: string;
  from_ms: number;
  to_ms: number;
  reason: string;
  legal_basis: string;
  requester: string;
  expires_ms: number | null;
  /** Account id of the creator; null = the local CLI. */
  created_by: string | null;
  created_ms: number;
  lift_requested_by: string | null;
  lift_requested_ms: number | null;
  lift_reason: string | null;
  lift_approved_by: string | null;
  lifted_ms: number | null;
  /** When the executor wrote the `hold.expired` system-log entry (expiry ends a hold by itself). */
  expiry_logged_ms: number | null;
}

/** Owned by retention/. One run of the retention executor and its signed deletion certificate. */
export interface RetentionRunTable {
  id: string; // UUIDv7
  started_ms: number;
  finished_ms: number | null;
  /** 'schedule' | 'store_low' | 'cli' | 'api'. */
  trigger: string;
  /** 'running' | 'completed' | 'failed'. */
  status: string;
  segments: number;
  bytes: number;
  /** JSON array of the planner's alerts. */
  alerts: string;
  /** The certificate (canonical JSON), once finished. */
  certificate: string | null;
  key_id: string | null;
  signature: Buffer | null;
}

/** Owned by retention/. The executor's lease (one row, name 'executor'): who may run it, and until when. */
export interface RetentionLeaseTable {
  name: string;
  /** A random id of the holding RetentionService ('' once released). */
  holder: string;
  expires_ms: number;
}

/** Owned by retention/. A segment a run deletes; written before its file is unlinked (architecture §4.4). */
export interface RetentionDeletionTable {
  run_id: string;
  segment_id: number;
  camera_id: string;
  stream_id: string;
  start_ms: number;
  end_ms: number;
  size_bytes: number;
  sha256: Buffer;
  reason: string;
  policy_id: string;
  /** The system-log entry of this run and camera. */
  audit_seq: number;
  deleted_ms: number | null;
  /** 'pending' | 'deleted' | 'abandoned'. */
  state: string;
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
  camera_signage: CameraSignageTable;
  camera_masks: CameraMaskTable;
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
  integrity_verify_runs: IntegrityVerifyRunTable;
  duty_log: DutyLogTable;
  duty_tasks: DutyTaskTable;
  duty_task_completions: DutyTaskCompletionTable;
  inspections: InspectionTable;
  inspection_findings: InspectionFindingTable;
  self_assessments: SelfAssessmentTable;
  complaints: ComplaintTable;
  complaint_responses: ComplaintResponseTable;
  systems: SystemTable;
  system_documents: SystemDocumentTable;
  system_transitions: SystemTransitionTable;
  system_cameras: SystemCameraTable;
  management_unit: ManagementUnitTable;
  filing_submissions: FilingSubmissionTable;
  filing_changes: FilingChangeTable;
  retention_policies: RetentionPolicyTable;
  legal_holds: LegalHoldTable;
  retention_runs: RetentionRunTable;
  retention_deletions: RetentionDeletionTable;
  retention_lease: RetentionLeaseTable;
  segment_keys: SegmentKeyTable;
}

export type CameraRow = Selectable<CameraTable>;
export type NewCameraRow = Insertable<CameraTable>;
export type CameraUpdate = Updateable<CameraTable>;
export type CameraStreamRow = Selectable<CameraStreamTable>;
export type CameraPlaceRow = Selectable<CameraPlaceTable>;
export type CameraSignageRow = Selectable<CameraSignageTable>;
export type CameraMaskRow = Selectable<CameraMaskTable>;
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
export type IntegrityVerifyRunRow = Selectable<IntegrityVerifyRunTable>;
export type DutyLogRow = Selectable<DutyLogTable>;
export type DutyTaskRow = Selectable<DutyTaskTable>;
export type DutyTaskCompletionRow = Selectable<DutyTaskCompletionTable>;
export type InspectionRow = Selectable<InspectionTable>;
export type InspectionFindingRow = Selectable<InspectionFindingTable>;
export type SelfAssessmentRow = Selectable<SelfAssessmentTable>;
export type ComplaintRow = Selectable<ComplaintTable>;
export type ComplaintResponseRow = Selectable<ComplaintResponseTable>;
export type SystemRow = Selectable<SystemTable>;
export type SystemDocumentRow = Selectable<SystemDocumentTable>;
export type SystemTransitionRow = Selectable<SystemTransitionTable>;
export type SystemCameraRow = Selectable<SystemCameraTable>;
export type ManagementUnitRow = Selectable<ManagementUnitTable>;
export type FilingSubmissionRow = Selectable<FilingSubmissionTable>;
export type RetentionPolicyRow = Selectable<RetentionPolicyTable>;
export type LegalHoldRow = Selectable<LegalHoldTable>;
export type RetentionRunRow = Selectable<RetentionRunTable>;
export type RetentionDeletionRow = Selectable<RetentionDeletionTable>;
export type SegmentKeyRow = Selectable<SegmentKeyTable>;
