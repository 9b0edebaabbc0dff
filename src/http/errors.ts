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
  camera_not_found: { status: 404 },
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
  // The access register (R16.3): closing an entry that is not an open one, or appending after shutdown began.
  audit_entry_not_found: { status: 404 },
  audit_entry_already_closed: { status: 409 },
  audit_closed: { status: 503 },
  // Live transcoding to H.264 (architecture §3 "Browsers and H.265") is costed and limited: every slot is in use
  // (live.maxTranscodes), or it is turned off (0). Temporary on this server, so 503.
  transcode_limit: { status: 503 },
  transcode_disabled: { status: 503 },
};

/** An error raised by the HTTP layer itself (bad params before any module is called). */
export class ApiError extends Error {
  constructor(
    readonly code: keyof typeof errorRegistry & string,
    message: string,
    readonly field?: string,
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
