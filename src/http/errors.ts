// The one error registry (conventions §6): every error code the API answers with, its HTTP status, and — where a
// rule of the law refuses the request — the article. Modules throw typed errors carrying a `code`; the error
// handler maps them here, so the same failure always gets the same answer.
export interface ApiErrorBody {
  error: string;
  message: string;
  article?: string;
  field?: string;
}

interface ErrorSpec {
  status: number;
  article?: string;
}

export const errorRegistry: Record<string, ErrorSpec> = {
  invalid_request: { status: 400 },
  bad_time_range: { status: 400 },
  invalid_id: { status: 400 },
  invalid_camera: { status: 422 },
  camera_place_forbidden: { status: 422, article: 'R8.1' },
  camera_not_found: { status: 404 },
  // devices/ installation record (issue 4): activation refusals carry their article (R10, D11).
  classified_consent_missing: { status: 422, article: 'R10' },
  privacy_masks_missing: { status: 422, article: 'D11' },
  invalid_mask: { status: 422 },
  invalid_signage: { status: 422 },
  signage_not_found: { status: 404 },
  photo_not_found: { status: 404 },
  nothing_to_review: { status: 409 },
  photo_too_large: { status: 413 },
  photo_type_unsupported: { status: 415 },
  segment_not_found: { status: 404 },
  no_recording: { status: 404 },
  not_found: { status: 404 },
  stream_not_found: { status: 404 },
  range_not_satisfiable: { status: 416 },
  segment_corrupt: { status: 500 },
  mixed_streams: { status: 500 },
  // The stored camera credentials cannot be opened: an operator must restore the key file or re-enter the URL.
  credential_key_invalid: { status: 500 },
  credential_key_mismatch: { status: 500 },
  credential_unreadable: { status: 500 },
  internal_error: { status: 500 },
  // access/ (R15, R16, R19): authentication, the gate's refusals and account administration. An article is given
  // where a rule of the law refuses; the gate's own refusals carry theirs on the error (AccessError.article).
  unauthenticated: { status: 401 },
  invalid_credentials: { status: 401 },
  session_expired: { status: 401 },
  totp_required: { status: 401 },
  totp_invalid: { status: 401 },
  totp_not_started: { status: 409 },
  account_locked: { status: 423, article: 'R15' },
  account_disabled: { status: 403 },
  csrf_invalid: { status: 403, article: 'R15' },
  password_change_required: { status: 403, article: 'R15' },
  totp_setup_required: { status: 403, article: 'R15' },
  forbidden: { status: 403, article: 'R16.2' },
  camera_not_granted: { status: 403, article: 'R16.2' },
  reason_required: { status: 400, article: 'R16.3' },
  vetting_missing: { status: 403, article: 'R16.1' },
  confidentiality_missing: { status: 403, article: 'R16.1' },
  training_missing: { status: 403, article: 'R16.1' },
  training_overdue: { status: 403, article: 'R16.1' },
  agreement_missing: { status: 403, article: 'R15.2' },
  agreement_expired: { status: 403, article: 'R19' },
  agreement_not_started: { status: 403, article: 'R19' },
  separation_of_duties: { status: 422, article: 'R16.2' },
  password_policy: { status: 422, article: 'R15' },
  token_scope_exceeds_owner: { status: 422, article: 'R16.2' },
  user_not_found: { status: 404 },
  username_taken: { status: 409 },
  group_not_found: { status: 404 },
  group_name_taken: { status: 409 },
  grant_not_found: { status: 404 },
  token_not_found: { status: 404 },
  // The access register (R16.3): closing an entry that is not an open one, or appending after shutdown began.
  audit_entry_not_found: { status: 404 },
  audit_entry_already_closed: { status: 409 },
  audit_closed: { status: 503 },
  // Live transcoding to H.264 (architecture §3 "Browsers and H.265") is costed and limited: every slot is in use
  // (live.maxTranscodes), or it is turned off (0). Temporary on this server, so 503.
  transcode_limit: { status: 503 },
  transcode_disabled: { status: 503 },
  // Playback under a grant (R16.3) and the export watermark (D18).
  grant_required: { status: 403, article: 'R16.3' },
  grant_mismatch: { status: 403, article: 'R16.3' },
  watermark_unavailable: { status: 500 },
  // Systems (R11, D12–D14): lifecycle refusals carry the article of the missing step; D12 refuses video of a camera
  // whose system has not passed acceptance (403: a refusal of the law, like the gate's).
  system_not_found: { status: 404 },
  invalid_system: { status: 422 },
  system_transition_invalid: { status: 409, article: 'R11' },
  system_document_missing: { status: 409, article: 'R11' },
  system_document_not_found: { status: 404 },
  document_too_large: { status: 413 },
  camera_in_other_system: { status: 409 },
  system_retired: { status: 409 },
  system_not_accepted: { status: 403, article: 'D12' },
  // Unit profile and filing (R14).
  unit_profile_missing: { status: 409, article: 'R14' },
  invalid_unit: { status: 422 },
  credit_code_invalid: { status: 422, article: 'R14' },
  invalid_filing: { status: 422 },
  filing_submission_not_found: { status: 404 },
  filing_receipt_exists: { status: 409 },
  filing_not_applicable: { status: 409, article: 'R14' },
  watermark_failed: { status: 500 },
  // compliance/ duties and inspections (D17, R8.2, R24); the article travels on the error where a rule refuses.
  invalid_duty_input: { status: 400 },
  duty_entry_not_found: { status: 404 },
  task_not_found: { status: 404 },
  inspection_not_found: { status: 404 },
  inspection_finding_not_found: { status: 404 },
  finding_state_conflict: { status: 409, article: 'R24' },
  police_report_required: { status: 422, article: 'R8.2' },
  self_assessment_not_found: { status: 404 },
  // requests/ public reports (R24).
  invalid_report: { status: 400 },
  report_not_found: { status: 404 },
  report_closed: { status: 409, article: 'R24' },
  // Retention (R17): policy values the law refuses (domain's RetentionPolicyError carries article R17 itself), legal
  // holds and their four-eyes lift, executor runs.
  retention_below_floor: { status: 422, article: 'R17' },
  retention_not_whole_days: { status: 422, article: 'R17' },
  sector_override_not_above_floor: { status: 422, article: 'R17' },
  sector_override_incomplete: { status: 422, article: 'R17' },
  ceiling_below_retention: { status: 422, article: 'R17' },
  ceiling_not_whole_days: { status: 422, article: 'R17' },
  scope_invalid: { status: 422, article: 'R17' },
  policy_id_missing: { status: 422 },
  invalid_retention_input: { status: 422 },
  policy_not_found: { status: 404 },
  hold_not_found: { status: 404 },
  invalid_hold: { status: 422 },
  hold_not_active: { status: 409 },
  hold_lift_pending: { status: 409 },
  hold_lift_not_requested: { status: 409 },
  hold_lift_same_account: { status: 403, article: 'R17' },
  hold_lift_needs_account: { status: 403 },
  retention_run_not_found: { status: 404 },
  retention_run_busy: { status: 409 },
};

/** An error raised by the HTTP layer itself (bad params before any module is called). */
export class ApiError extends Error {
  constructor(
    readonly code: keyof typeof errorRegistry & string,
    message: string,
    readonly field?: string,
    readonly article?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Maps any thrown value to status + body. Unknown errors become a 500 that reveals nothing internal. */
export function toApiError(err: unknown): { status: number; body: ApiErrorBody } {
  const e = err as { code?: unknown; message?: unknown; article?: unknown; field?: unknown; statusCode?: unknown; validation?: unknown };
  if (e && e.validation) {
    return { status: 400, body: { error: 'invalid_request', message: String(e.message) } };
  }
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const spec = code ? errorRegistry[code] : undefined;
  if (code && spec) {
    const body: ApiErrorBody = { error: code, message: String(e.message) };
    const article = typeof e.article === 'string' ? e.article : spec.article;
    if (article) body.article = article;
    if (typeof e.field === 'string') body.field = e.field;
    return { status: spec.status, body };
  }
  // Fastify's own client errors (bad JSON body, unsupported media type, too large): keep their 4xx and message.
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: { error: 'invalid_request', message: String(e.message) } };
  }
  return { status: 500, body: { error: 'internal_error', message: 'internal error; see the server log' } };
}
