// The page's only door to the HTTP API: JSON requests under /api/v1 (and raw image bytes up and down), and API errors ({ error, message, article? }) turned
// into an ApiError the page shows to the user (never swallowed). Also the wall-time helpers the page shares: the
// API speaks ms since the epoch (UTC); the page shows and takes China Standard Time (UTC+8, no DST since 1991).

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0 when the request never got an answer)
   * @param {string} code API error code, e.g. 'camera_not_found'
   * @param {string} message
   * @param {string | undefined} article the law article the refusal cites, when there is one
   */
  constructor(status, code, message, article) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.article = article;
  }
}

let csrfToken = null;

/** The session's CSRF token (from login or /auth/me), sent with every state-changing request. */
export function setCsrfToken(token) {
  csrfToken = token;
}

/** GETs a JSON document; throws ApiError with the server's own error body when it sends one. */
export async function getJson(path) {
  const response = await request(path, 'application/json');
  return response.json();
}

/** POSTs JSON (with the CSRF token); resolves with the JSON answer, or null for 204. */
export async function postJson(path, body) {
  const response = await request(path, 'application/json', { method: 'POST', body: JSON.stringify(body ?? {}) });
  return response.status === 204 ? null : response.json();
}

/** PATCH, PUT or DELETE with a JSON body (none for DELETE); resolves with the JSON answer, or null for 204. */
export async function sendJson(method, path, body) {
  const response = await request(path, 'application/json', { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return response.status === 204 ? null : response.json();
}

/** PUTs raw bytes (a photo) with their own content type; resolves with the JSON answer. */
export async function putBytes(path, bytes, contentType) {
  const response = await request(path, 'application/json', { method: 'PUT', body: bytes, contentType });
  return response.json();
}

/** GETs bytes (an image) as a Blob; throws ApiError with the server's reason when refused. */
export async function getBlob(path) {
  const response = await request(path, 'image/*, application/json;q=0.5');
  return response.blob();
}

/** PUTs JSON (with the CSRF token); resolves with the JSON answer, or null for 204. */
export function putJson(path, body) {
  return sendJson('PUT', path, body ?? {});
}

/** PATCHes JSON (with the CSRF token); resolves with the JSON answer, or null for 204. */
export function patchJson(path, body) {
  return sendJson('PATCH', path, body ?? {});
}

/** GETs a text document (an HLS playlist); throws ApiError with the server's reason when refused. */
export async function fetchText(path) {
  const response = await request(path, '*/*');
  return response.text();
}

async function request(path, accept, { contentType, ...init } = {}) {
  let response;
  const headers = { accept };
  if (init.method && init.method !== 'GET') {
    // No content type without a body: the server refuses an empty body declared as JSON.
    if (init.body !== undefined) headers['content-type'] = contentType ?? 'application/json';
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
  }
  try {
    response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  } catch (error) {
    throw new ApiError(0, 'network_error', `网络错误 Network error: ${error instanceof Error ? error.message : error}`);
  }
  if (response.ok) return response;
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not our JSON error shape (a proxy page, an empty body): fall back to the status line.
  }
  if (body && typeof body.error === 'string') {
    throw new ApiError(response.status, body.error, String(body.message ?? body.error), body.article);
  }
  throw new ApiError(response.status, 'http_error', `HTTP ${response.status} ${response.statusText}`.trim());
}

/** One line for the user: the server's message, its code, and the article when the law is why. */
export function describeError(error) {
  if (error instanceof ApiError) {
    const article = error.article ? ` · 依据 Article ${error.article}` : '';
    const status = error.status ? ` · HTTP ${error.status}` : '';
    return `${error.message} (${error.code}${status}${article})`;
  }
  return error instanceof Error ? error.message : String(error);
}

const CST_OFFSET_MS = 8 * 3600 * 1000;

/** ms since the epoch → 'YYYY-MM-DDTHH:MM:SS' in China Standard Time (the value of a datetime-local input). */
export function toCstInput(ms) {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 19);
}

/** A datetime-local value read as China Standard Time → ms since the epoch (NaN when empty or invalid). */
export function fromCstInput(value) {
  if (!value) return Number.NaN;
  const withSeconds = value.length === 16 ? `${value}:00` : value;
  return Date.parse(`${withSeconds}Z`) - CST_OFFSET_MS;
}

/** ms since the epoch → 'HH:MM:SS' China Standard Time, for the timeline. */
export function formatCstTime(ms) {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(11, 19);
}
