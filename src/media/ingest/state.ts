// The ingest state machine and the reconnect backoff (architecture §3 "Ingest"). Pure: time and randomness are
// parameters. Owns the meaning of each state and reason that the health model shows; must not touch processes.
//
//   idle ──start──▶ connecting ──first fragment──▶ recording
//                      │                              │ failure(reason)
//                      ▼ failure(reason)              ▼
//          reconnecting(reason) / failed(reason) ◀────┘   ── fragment ──▶ recording
//   any ──stop──▶ stopped (terminal: no restart after stop)
//
// `connecting` is only the first attempt after start(). Later attempts keep the state `reconnecting` / `failed`
// until media flows again, so the health model does not flap between "connecting" and "failed" every 30 s for a
// camera with a wrong password.
//
// `failed` means retrying will not fix it soon (wrong credentials, wrong path, a codec we do not record, ffmpeg
// missing): it is what an operator must look at. The supervisor still retries, at the maximum backoff, because the
// fix happens elsewhere (a password changed on the camera, ffmpeg installed, the camera set to H.264) and a fixed
// camera must come back without operator action.

export type IngestState = 'idle' | 'connecting' | 'recording' | 'reconnecting' | 'failed' | 'stopped';

export type IngestReason =
  | 'unreachable' // connection refused, timed out, no route, name not resolved
  | 'auth_failed' // RTSP 401 / 403
  | 'not_found' // RTSP 404: wrong path on the camera
  | 'unsupported_codec' // video is neither H.264 nor H.265 (e.g. MJPEG), or the MP4 muxer refused it
  | 'stream_ended' // ffmpeg exited after media had flowed (camera closed the session, rebooted)
  | 'stalled' // no fragment for stallMs (or none within connectTimeoutMs of the spawn)
  | 'parse_error' // ffmpeg's fMP4 output did not parse
  | 'spawn_failed' // ffmpeg could not be started (missing, not executable)
  | 'input_error'; // ffmpeg exited before any media with an error we do not classify

export type CodecFamily = 'h264' | 'h265' | 'other';

/** Reasons that retrying will not fix soon: they put the stream in `failed`. */
const PERMANENT: ReadonlySet<IngestReason> = new Set(['auth_failed', 'not_found', 'unsupported_codec', 'spawn_failed']);

export function isPermanentReason(reason: IngestReason): boolean {
  return PERMANENT.has(reason);
}

export interface IngestSnapshot {
  state: IngestState;
  /** Set only in `reconnecting` and `failed`. */
  reason?: IngestReason;
  /** Consecutive failed attempts; drives the backoff. Reset by a failure after stable recording. */
  failures: number;
  /** When the current recording began (ms, injected clock); set only in `recording`. */
  recordingSinceMs?: number;
  /** When a stream that was recording was lost; cleared when it records again. Drives the fast-retry window. */
  lostAtMs?: number;
}

export type IngestEvent =
  | { type: 'start' }
  | { type: 'init'; codecFamily: CodecFamily; atMs: number }
  | { type: 'fragment'; atMs: number }
  | { type: 'failure'; reason: IngestReason; atMs: number }
  | { type: 'stop' };

export interface StatePolicy {
  /** Recording this long counts as stable: the next failure starts the backoff from the beginning. */
  stableMs: number;
  /**
   * For this long after a recording stream is lost, every failure (even a 404 while the camera reboots) counts as
   * temporary and is retried fast, so recording resumes within seconds of the camera's return. Default 0 (off).
   */
  fastRetryWindowMs?: number;
}

/** Fast retries for a stream that was recording moments ago (see StatePolicy.fastRetryWindowMs). */
export interface FastRetryPolicy {
  windowMs: number;
  /** Retries are spread uniformly in [retryMs/2, retryMs]. */
  retryMs: number;
}

export const INITIAL_SNAPSHOT: IngestSnapshot = { state: 'idle', failures: 0 };

export function transition(s: IngestSnapshot, event: IngestEvent, policy: StatePolicy): IngestSnapshot {
  if (s.state === 'stopped') return s;
  switch (event.type) {
    case 'stop':
      return { state: 'stopped', failures: s.failures };
    case 'start':
      return s.state === 'idle' ? { state: 'connecting', failures: 0 } : s;
    case 'init':
      // An init segment alone is not recording yet; a codec we cannot record is a failure right away.
      return event.codecFamily === 'other' ? fail(s, 'unsupported_codec', event.atMs, policy) : s;
    case 'fragment':
      if (s.state === 'idle' || s.state === 'recording') return s;
      return { state: 'recording', failures: s.failures, recordingSinceMs: event.atMs };
    case 'failure':
      return s.state === 'idle' ? s : fail(s, event.reason, event.atMs, policy);
  }
}

function fail(s: IngestSnapshot, reason: IngestReason, atMs: number, policy: StatePolicy): IngestSnapshot {
  const wasStable = s.state === 'recording' && s.recordingSinceMs !== undefined && atMs - s.recordingSinceMs >= policy.stableMs;
  const lostAtMs = s.state === 'recording' ? atMs : s.lostAtMs;
  // A camera that was recording moments ago is most likely rebooting or briefly unreachable: whatever it answers
  // meanwhile (refused, 404, even 401 from a half-started web server) is treated as temporary in that window.
  const recentlyLost = lostAtMs !== undefined && atMs - lostAtMs < (policy.fastRetryWindowMs ?? 0);
  const state = !recentlyLost && isPermanentReason(reason) ? 'failed' : 'reconnecting';
  const next: IngestSnapshot = { state, reason, failures: wasStable ? 1 : s.failures + 1 };
  if (lostAtMs !== undefined) next.lostAtMs = lostAtMs;
  return next;
}

export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { minMs: 1000, maxMs: 30_000 };

/**
 * Delay before the next attempt after `attempt` consecutive failures (≥ 1; Infinity for "at the maximum").
 * Exponential with "equal jitter": the ceiling doubles from 2·min up to max, and the delay is uniform in
 * [ceiling/2, ceiling], never below min. The floor keeps a failing camera from spinning (full jitter can draw ~0);
 * the spread keeps 200 cameras behind one rebooted switch from reconnecting in lockstep.
 */
export function nextBackoffMs(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.max(1, attempt);
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(exponent, 30));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(Math.max(policy.minMs, ceiling / 2 + r * (ceiling / 2)));
}

/**
 * The delay the supervisor waits after entering `s` (reconnecting or failed). Inside the fast-retry window of a
 * recently lost stream the delay stays short (issue: recording resumes within 5 s of a camera's return); outside
 * it, the exponential backoff applies. The window is short so that many cameras lost together (a switch reboot)
 * cost a burst of cheap failed connects, not a sustained load.
 */
export function retryDelayMs(
  s: IngestSnapshot,
  random: () => number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  fast?: FastRetryPolicy & { nowMs: number },
): number {
  if (fast && s.lostAtMs !== undefined && fast.nowMs - s.lostAtMs < fast.windowMs) {
    const r = Math.min(Math.max(random(), 0), 1);
    return Math.round(fast.retryMs / 2 + (r * fast.retryMs) / 2);
  }
  return nextBackoffMs(s.state === 'failed' ? Infinity : s.failures, random, policy);
}
