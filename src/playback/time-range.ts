// Validation of a requested time range (`?from&to` of the recordings, HLS and export routes). Pure: the clock is a
// parameter. Owns the accepted time formats; must not know about routes or rows.
import { PlaybackError, type TimeRangeReason } from './errors.js';

/** 2000-01-01T00:00:00Z: nothing recorded by this system is older; earlier values are unit or typing mistakes. */
export const EARLIEST_MS = Date.UTC(2000, 0, 1);
/** The largest time a JavaScript Date can hold (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;
/** How far past `now` a range may reach: a day covers clock skew between client and server in any time zone. */
export const FUTURE_SLACK_MS = 24 * 60 * 60 * 1000;

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export interface TimeRangeLimits {
  /** Longest range accepted, e.g. 31 days for HLS and export. */
  maxRangeMs: number;
  nowMs: number;
}

// A full date-time with a zone. Without a zone a time is ambiguous (server UTC vs the console's Asia/Shanghai),
// so it is refused rather than guessed; a date alone is refused for the same reason.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const INTEGER = /^-?\d{1,16}$/;

function fail(reason: TimeRangeReason, message: string, field?: 'from' | 'to'): never {
  throw new PlaybackError('bad_time_range', message, field ? { reason, field } : { reason });
}

function parseInstant(field: 'from' | 'to', value: unknown): number {
  if (value === undefined || value === null || value === '') fail('missing', `'${field}' is required`, field);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) fail('not_a_time', `'${field}' must be an integer of milliseconds since 1970-01-01T00:00:00Z, got ${value}`, field);
    return value;
  }
  if (typeof value !== 'string') fail('not_a_time', `'${field}' must be milliseconds since the epoch or an ISO-8601 date-time`, field);
  const text = value.trim();
  if (INTEGER.test(text)) {
    const ms = Number(text);
    // 16 digits can exceed 2^53: Number() would round silently, and the message would show another value.
    if (!Number.isSafeInteger(ms)) fail('not_a_time', `'${field}' must be an integer of milliseconds since 1970-01-01T00:00:00Z, got ${text}`, field);
    return ms;
  }
  if (ISO_DATE_TIME.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  fail(
    'not_a_time',
    `'${field}' must be milliseconds since the epoch or an ISO-8601 date-time with a zone (e.g. 2026-11-25T08:00:00+08:00), got '${shown}'`,
    field,
  );
}

function checkPlausible(field: 'from' | 'to', ms: number, nowMs: number): void {
  if (ms < EARLIEST_MS) {
    // A ten-digit value is the usual mistake: seconds where milliseconds are expected.
    const hint = ms >= 1e9 && ms < 1e10 ? ' (it looks like seconds; times are in milliseconds)' : '';
    fail('too_early', `'${field}' ${ms} is before 2000-01-01T00:00:00Z${hint}`, field);
  }
  if (ms > nowMs + FUTURE_SLACK_MS) {
    // Past year 275760 (|ms| > 8.64e15) a Date is invalid and toISOString() throws: show the number instead.
    const shown = Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : String(ms);
    fail('too_late', `'${field}' ${shown} is more than a day after now (${new Date(nowMs).toISOString()})`, field);
  }
}

function formatDuration(ms: number): string {
  const hours = ms / 3_600_000;
  return hours >= 48 ? `${(hours / 24).toFixed(hours % 24 === 0 ? 0 : 1)} days` : `${Number(hours.toFixed(2))} hours`;
}

/**
 * Parses and checks `from` and `to` (ms integers, numeric strings or ISO-8601 date-times with a zone). The range is
 * half-open, [from, to): `from` must be before `to`. Throws `PlaybackError('bad_time_range')` with a `reason`.
 */
export function parseTimeRange(input: { from?: unknown; to?: unknown }, limits: TimeRangeLimits): TimeRange {
  const fromMs = parseInstant('from', input.from);
  const toMs = parseInstant('to', input.to);
  checkPlausible('from', fromMs, limits.nowMs);
  checkPlausible('to', toMs, limits.nowMs);
  if (fromMs > toMs) fail('reversed', `'from' (${new Date(fromMs).toISOString()}) is after 'to' (${new Date(toMs).toISOString()})`);
  if (fromMs === toMs) fail('empty', `'from' and 'to' are the same instant (${new Date(fromMs).toISOString()}): the range is empty`);
  if (toMs - fromMs > limits.maxRangeMs) {
    fail('too_long', `the range is ${formatDuration(toMs - fromMs)}; at most ${formatDuration(limits.maxRangeMs)} is allowed`);
  }
  return { fromMs, toMs };
}

/** One instant (a snapshot's `at`): milliseconds or ISO-8601, after 2000 and not more than a day ahead. */
export function parseInstantQuery(value: unknown, nowMs: number): number {
  const ms = parseInstant('from', value);
  checkPlausible('from', ms, nowMs);
  return ms;
}
