import { describe, expect, it } from 'vitest';
import { complaintReplyDueDay, complaintUnanswered, dueStatus, dutyCoverage, nextDueDay, rectificationOverdue } from './duties.js';

const cst = (local: string): number => Date.parse(`${local}+08:00`);

describe('nextDueDay (CST days, counted from the day the task was done)', () => {
  it.each<[string, number, string]>([
    ['2026-01-31T23:59:59.999', 1, '2026-02-01'],
    ['2026-02-01T00:00', 30, '2026-03-03'],
    ['2028-02-28T12:00', 1, '2028-02-29'], // leap year
    ['2026-12-31T08:00', 7, '2027-01-07'], // year end
    ['2026-03-10T07:59', 90, '2026-06-08'], // 07:59 CST is still the 10th in CST (23:59 UTC on the 9th)
  ])('done %s + %i days → %s', (done, days, due) => {
    expect(nextDueDay(cst(done), days)).toBe(due);
  });

  it.each([0, -1, 1.5, 5 * 366 + 1])('refuses a recurrence of %s days', (days) => {
    expect(() => nextDueDay(cst('2026-01-01T00:00'), days)).toThrow(RangeError);
  });
});

describe('dueStatus', () => {
  it.each<[string, string, number, string, number]>([
    ['2026-05-10', '2026-05-10T23:59:59.999', 0, 'due_soon', 0],
    ['2026-05-10', '2026-05-11T00:00', 0, 'overdue', -1],
    ['2026-05-10', '2026-05-03T00:00', 7, 'due_soon', 7],
    ['2026-05-10', '2026-05-02T23:59', 7, 'scheduled', 8],
    ['2026-05-10', '2026-05-20T10:00', 7, 'overdue', -10],
  ])('due %s at %s within %i days → %s (%i days left)', (day, now, within, state, daysLeft) => {
    expect(dueStatus(day, cst(now), within)).toMatchObject({ state, daysLeft, lateFromMs: cst('2026-05-11T00:00') });
  });
});

describe('public reports: first reply within 15 CST days', () => {
  const received = cst('2026-06-01T22:00');
  it.each<[string, number | undefined, string, boolean]>([
    ['no reply, last day', undefined, '2026-06-16T23:59:59.999', false],
    ['no reply, day after', undefined, '2026-06-17T00:00', true],
    ['replied late, still answered', cst('2026-06-20T09:00'), '2026-07-01T00:00', false],
  ])('%s', (_name, reply, now, unanswered) => {
    expect(complaintReplyDueDay(received)).toBe('2026-06-16');
    expect(complaintUnanswered(received, reply, cst(now))).toBe(unanswered);
  });
});

describe('rectificationOverdue', () => {
  it.each<[number | undefined, string, boolean]>([
    [undefined, '2026-07-01T23:59', false],
    [undefined, '2026-07-02T00:00', true],
    [cst('2026-07-05T00:00'), '2026-08-01T00:00', false],
  ])('rectified %s at %s → %s', (rectified, now, overdue) => {
    expect(rectificationOverdue('2026-07-01', rectified, cst(now))).toBe(overdue);
  });
});

describe('dutyCoverage', () => {
  it('counts the CST days of the period with at least one entry', () => {
    const from = cst('2026-03-01T00:00');
    const to = cst('2026-03-04T00:00');
    const entries = [cst('2026-03-01T08:00'), cst('2026-03-01T20:00'), cst('2026-03-03T00:00'), cst('2026-03-04T00:00')];
    expect(dutyCoverage(entries, from, to)).toEqual({ days: 3, coveredDays: 2, uncoveredDays: ['2026-03-02'] });
  });
  it('an empty period covers nothing', () => {
    expect(dutyCoverage([], 10, 10)).toEqual({ days: 0, coveredDays: 0, uncoveredDays: [] });
  });
});
