import { describe, expect, it } from 'vitest';
import { PlaybackError, type TimeRangeReason } from './errors.js';
import { parseTimeRange } from './time-range.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const DAY = 86_400_000;
const limits = { maxRangeMs: 31 * DAY, nowMs: NOW };

describe('parseTimeRange', () => {
  it.each([
    ['ms integers', { from: NOW - 3_600_000, to: NOW }, NOW - 3_600_000, NOW],
    ['numeric strings (query params)', { from: String(NOW - 1000), to: ` ${NOW} ` }, NOW - 1000, NOW],
    ['ISO with Z', { from: '2026-11-25T10:00:00Z', to: '2026-11-25T11:00:00.500Z' }, Date.UTC(2026, 10, 25, 10), Date.UTC(2026, 10, 25, 11, 0, 0, 500)],
    ['ISO with an offset (Asia/Shanghai)', { from: '2026-11-25T18:00:00+08:00', to: '2026-11-25T19:00+0800' }, Date.UTC(2026, 10, 25, 10), Date.UTC(2026, 10, 25, 11)],
    ['mixed forms', { from: '2026-11-25T10:00:00Z', to: Date.UTC(2026, 10, 25, 10, 30) }, Date.UTC(2026, 10, 25, 10), Date.UTC(2026, 10, 25, 10, 30)],
    ['exactly the longest range', { from: NOW - 31 * DAY, to: NOW }, NOW - 31 * DAY, NOW],
    ['up to a day in the future', { from: NOW, to: NOW + DAY }, NOW, NOW + DAY],
  ])('accepts %s', (_name, input, fromMs, toMs) => {
    expect(parseTimeRange(input, limits)).toEqual({ fromMs, toMs });
  });

  const cases: [string, { from?: unknown; to?: unknown }, TimeRangeReason, 'from' | 'to' | undefined, RegExp][] = [
    ['from missing', { to: NOW }, 'missing', 'from', /'from' is required/],
    ['to missing', { from: NOW - 1000 }, 'missing', 'to', /'to' is required/],
    ['to empty string', { from: NOW - 1000, to: '' }, 'missing', 'to', /'to' is required/],
    ['from not a number', { from: 'yesterday', to: NOW }, 'not_a_time', 'from', /got 'yesterday'/],
    ['fractional ms', { from: NOW - 1000.5, to: NOW }, 'not_a_time', 'from', /integer of milliseconds/],
    ['NaN', { from: Number.NaN, to: NOW }, 'not_a_time', 'from', /integer/],
    ['ISO without a zone', { from: '2026-11-25T10:00:00', to: NOW }, 'not_a_time', 'from', /with a zone/],
    ['date only', { from: '2026-11-25', to: NOW }, 'not_a_time', 'from', /ISO-8601/],
    ['impossible date', { from: '2026-13-45T10:00:00Z', to: NOW }, 'not_a_time', 'from', /ISO-8601/],
    ['repeated query param', { from: [String(NOW - 1000), String(NOW)], to: NOW }, 'not_a_time', 'from', /ISO-8601/],
    ['from after to', { from: NOW, to: NOW - 1000 }, 'reversed', undefined, /is after 'to'/],
    ['from equal to', { from: NOW, to: NOW }, 'empty', undefined, /same instant/],
    ['before 2000', { from: Date.UTC(1999, 11, 31), to: NOW }, 'too_early', 'from', /before 2000-01-01/],
    ['negative', { from: -5, to: NOW }, 'too_early', 'from', /before 2000/],
    ['seconds instead of ms', { from: 1_764_000_000, to: NOW }, 'too_early', 'from', /looks like seconds/],
    ['far future to', { from: NOW, to: NOW + DAY + 1 }, 'too_late', 'to', /more than a day after now/],
    ['far future from', { from: NOW + 2 * DAY, to: NOW + 3 * DAY }, 'too_late', 'from', /more than a day after now/],
    ['too long', { from: NOW - 31 * DAY - 1, to: NOW }, 'too_long', undefined, /at most 31 days/],
  ];
  it.each(cases)('refuses %s', (_name, input, reason, field, message) => {
    let error: unknown;
    try {
      parseTimeRange(input, limits);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlaybackError);
    const e = error as PlaybackError;
    expect(e.code).toBe('bad_time_range');
    expect(e.detail.reason).toBe(reason);
    expect(e.detail.field).toBe(field);
    expect(e.field).toBe(field); // read by the HTTP error handler for the response body
    expect(e.message).toMatch(message);
  });
});
