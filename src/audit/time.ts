// Filter bounds of register queries: milliseconds since the epoch or an ISO-8601 date-time with a zone (the formats
// playback accepts). Separate from playback's parseTimeRange because here each bound is optional and no range limit
// applies: an auditor may list a whole year.
import { AuditError } from './errors.js';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const INTEGER = /^\d{1,16}$/;

/** Parses an optional bound; undefined or '' stays undefined. Throws AuditError('bad_time_range'). */
export function parseInstant(value: string | number | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  const text = String(value).trim();
  if (INTEGER.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  if (ISO_DATE_TIME.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw new AuditError('bad_time_range', `'${field}' must be milliseconds since the epoch or an ISO-8601 date-time with a zone (e.g. 2026-12-02T08:00:00+08:00)`, field);
}
