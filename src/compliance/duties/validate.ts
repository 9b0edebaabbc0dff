// Input rules of the duty records (D17, R8.2, R24): lengths, days and instants. Pure; throws DutyError with the field.
import { cstDayOf, cstDayStartMs, type CstDay } from '../../domain/index.js';
import { DutyError } from './errors.js';

export const TEXT_MAX_CHARS = 4000;
export const TITLE_MAX_CHARS = 200;
/** Control characters other than tab and newline are refused: the records are printed and exported. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function requireText(value: unknown, field: string, max = TEXT_MAX_CHARS, optional = false): string {
  if (optional && (value === undefined || value === null || value === '')) return '';
  if (typeof value !== 'string' || value.trim() === '') throw new DutyError('invalid_duty_input', `'${field}' is required`, field);
  const text = value.trim();
  if ([...text].length > max) throw new DutyError('invalid_duty_input', `'${field}' is longer than ${max} characters`, field);
  if (CONTROL.test(text)) throw new DutyError('invalid_duty_input', `'${field}' contains control characters`, field);
  return text;
}

export function requireDay(value: unknown, field: string): CstDay {
  if (typeof value !== 'string') throw new DutyError('invalid_duty_input', `'${field}' must be a day YYYY-MM-DD (CST)`, field);
  try {
    cstDayStartMs(value);
  } catch {
    throw new DutyError('invalid_duty_input', `'${field}' must be a day YYYY-MM-DD (CST), got "${value.slice(0, 20)}"`, field);
  }
  return value;
}

/** An instant not more than a day in the future of `nowMs` (records are of what happened). */
export function requirePastInstant(value: unknown, field: string, nowMs: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new DutyError('invalid_duty_input', `'${field}' must be ms since the epoch (UTC)`, field);
  }
  if (value > nowMs + 86_400_000) throw new DutyError('invalid_duty_input', `'${field}' is in the future`, field);
  return value;
}

/** [fromMs, toMs) of a period given as CST days (inclusive) or instants. */
export function periodOf(from: string | number, to: string | number): { fromMs: number; toMs: number } {
  const bound = (v: string | number, field: string, end: boolean): number => {
    if (typeof v === 'number') return v;
    if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
      const start = cstDayStartMs(requireDay(v, field));
      return end ? start + 86_400_000 : start;
    }
    if (/^\d{1,16}$/.test(v)) return Number(v);
    const ms = Date.parse(v);
    if (!Number.isFinite(ms) || !/(Z|[+-]\d{2}:?\d{2})$/i.test(v)) {
      throw new DutyError('invalid_duty_input', `'${field}' must be a CST day YYYY-MM-DD, ms since the epoch or ISO-8601 with a zone`, field);
    }
    return ms;
  };
  const fromMs = bound(from, 'from', false);
  const toMs = bound(to, 'to', true);
  if (toMs <= fromMs) throw new DutyError('invalid_duty_input', `'to' must be after 'from'`, 'to');
  return { fromMs, toMs };
}

export { cstDayOf };
