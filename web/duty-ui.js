// Shared by the duty, inspection and report-handling pages: sign-in check, PATCH, element building and the plain
// text of stored (HTML-escaped) report text. Text is always set with textContent, never innerHTML.
import { ApiError, describeError, getJson, setCsrfToken } from './api.js';

/** Loads the signed-in account (and its CSRF token); sends the visitor to the sign-in page otherwise. */
export async function signedIn() {
  try {
    const me = await getJson('/api/v1/auth/me');
    setCsrfToken(me.csrfToken);
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) window.location.href = 'index.html';
    throw error;
  }
}

let csrf = null;
export function rememberCsrf(token) {
  csrf = token;
}

/** PATCH with JSON and the CSRF token. */
export async function patchJson(path, body) {
  const response = await fetch(path, {
    method: 'PATCH', credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    body: JSON.stringify(body),
  });
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, json?.error ?? 'http_error', json?.message ?? `HTTP ${response.status}`, json?.article);
  return json;
}

/** el('li', { class: 'x' }, 'text', child, …) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof window.Node ? c : String(c));
  return node;
}

/** Stored report text is HTML-escaped (R24 intake); show it as the plain text the reporter typed. */
export function plain(text) {
  return String(text ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

export function showError(node, error) {
  node.textContent = describeError(error);
  node.hidden = false;
}

/** Today as a CST day 'YYYY-MM-DD'. */
export function cstToday(offsetDays = 0) {
  return new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

export function cstTime(ms) {
  return ms == null ? '—' : new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** Runs an action bound to a form; errors go to the page's error line. */
export function guard(errorNode, fn) {
  return async (event) => {
    event?.preventDefault?.();
    errorNode.hidden = true;
    try {
      await fn(event);
    } catch (error) {
      showError(errorNode, error);
    }
  };
}
