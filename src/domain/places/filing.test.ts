import { describe, expect, it } from 'vitest';
import {
  addCstDays,
  changedFilingFacts,
  cstDayOf,
  cstDayStartMs,
  deadlineAfter,
  filingStatus,
  initialFilingDeadline,
  type FilingFacts,
} from './filing.js';

/** An instant written in China Standard Time. */
const cst = (local: string): number => Date.parse(`${local}+08:00`);

describe('CST calendar days (UTC+8)', () => {
  it.each([
    ['2025-03-31T15:59:59.999Z', '2025-03-31'],
    ['2025-03-31T16:00:00.000Z', '2025-04-01'], // 00:00 CST
    ['2028-02-28T16:00:00.000Z', '2028-02-29'], // leap day
    ['2024-12-31T16:00:00.000Z', '2025-01-01'],
  ])('%s is CST day %s', (iso, day) => {
    expect(cstDayOf(Date.parse(iso))).toBe(day);
  });

  it('day start and arithmetic', () => {
    expect(new Date(cstDayStartMs('2025-04-01')).toISOString()).toBe('2025-03-31T16:00:00.000Z');
    expect(addCstDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addCstDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addCstDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(() => addCstDays('2025-02-30', 1)).toThrow(RangeError);
    expect(() => cstDayStartMs('20250401')).toThrow(RangeError);
  });
});

describe('R14 deadlines: start day not counted, period ends 24:00 CST of its last day', () => {
  it.each([
    // in use (CST)              basis            last day
    ['2025-04-01T00:00', 'initial', '2025-05-01'], // first day the Regulation applies: 30-day rule
    ['2025-05-10T09:00', 'initial', '2025-06-09'],
    ['2025-05-10T23:59', 'initial', '2025-06-09'], // time of day does not matter
    ['2025-06-01T00:00', 'initial', '2025-07-01'], // across the 2025-06-30 transition date
    ['2025-06-30T12:00', 'initial', '2025-07-30'],
    ['2025-07-01T08:00', 'initial', '2025-07-31'], // 31-day month
    ['2025-07-31T08:00', 'initial', '2025-08-30'],
    ['2025-12-15T08:00', 'initial', '2026-01-14'], // year end
    ['2026-01-31T08:00', 'initial', '2026-03-02'], // February of a common year
    ['2028-01-31T08:00', 'initial', '2028-03-01'], // across leap day 2028-02-29
    ['2028-01-30T08:00', 'initial', '2028-02-29'], // ends on leap day
    ['2025-03-31T23:59', 'transitional', '2025-06-30'], // in use before 2025-04-01: 90 days from it
    ['2019-06-01T08:00', 'transitional', '2025-06-30'],
  ])('in use %s → %s, last day %s', (inUse, basis, lastDay) => {
    const deadline = initialFilingDeadline(cst(inUse));
    expect(deadline).toMatchObject({ basis, lastDay });
    expect(deadline.deadlineMs).toBe(cstDayStartMs(addCstDays(lastDay, 1)));
  });

  it('a UTC instant late on 2025-03-31 is already 2025-04-01 in China: 30-day rule', () => {
    expect(initialFilingDeadline(Date.parse('2025-03-31T20:00:00Z'))).toMatchObject({ basis: 'initial', lastDay: '2025-05-01' });
  });

  it('the transitional deadline instant is 2025-07-01 00:00 CST', () => {
    expect(new Date(initialFilingDeadline(cst('2024-01-01T00:00')).deadlineMs).toISOString()).toBe('2025-06-30T16:00:00.000Z');
  });

  it('deadlineAfter counts from the CST day', () => {
    expect(deadlineAfter(cst('2025-01-31T00:00'), 30).lastDay).toBe('2025-03-02');
  });
});

describe('filingStatus', () => {
  const inUse = cst('2025-05-10T09:00'); // last day 2025-06-09
  const change = cst('2025-08-20T10:00'); // change deadline last day 2025-09-19 (30 days, our choice)

  it.each([
    ['not in use yet', { nowMs: inUse }, 'not_due'],
    ['in use later', { inUseSinceMs: inUse, nowMs: inUse - 1 }, 'not_due'],
    ['due on the day of use', { inUseSinceMs: inUse, nowMs: inUse }, 'due'],
    ['due on the last day at 23:59:59.999 CST', { inUseSinceMs: inUse, nowMs: cst('2025-06-10T00:00') - 1 }, 'due'],
    ['overdue at 00:00 CST the day after', { inUseSinceMs: inUse, nowMs: cst('2025-06-10T00:00') }, 'overdue'],
    ['transitional: due on 2025-06-30', { inUseSinceMs: cst('2024-03-01T00:00'), nowMs: cst('2025-06-30T23:59') }, 'due'],
    ['transitional: overdue on 2025-07-01', { inUseSinceMs: cst('2024-03-01T00:00'), nowMs: cst('2025-07-01T00:00') }, 'overdue'],
    ['filed', { inUseSinceMs: inUse, filedMs: cst('2025-05-20T10:00'), nowMs: change }, 'filed'],
    ['filed late is filed', { inUseSinceMs: inUse, filedMs: cst('2025-07-20T10:00'), nowMs: change }, 'filed'],
    ['change before the filing is in it', { inUseSinceMs: inUse, filedMs: cst('2025-05-20T10:00'), lastChangeMs: cst('2025-05-19T10:00'), nowMs: change }, 'filed'],
    ['change after the filing: stale', { inUseSinceMs: inUse, filedMs: cst('2025-05-20T10:00'), lastChangeMs: change, nowMs: change }, 'stale'],
    ['stale on the last change day', { inUseSinceMs: inUse, filedMs: cst('2025-05-20T10:00'), lastChangeMs: change, nowMs: cst('2025-09-19T23:59') }, 'stale'],
    ['change filing overdue', { inUseSinceMs: inUse, filedMs: cst('2025-05-20T10:00'), lastChangeMs: change, nowMs: cst('2025-09-20T00:00') }, 'overdue'],
    ['re-filed after the change', { inUseSinceMs: inUse, filedMs: cst('2025-09-01T10:00'), lastChangeMs: change, nowMs: cst('2025-10-01T00:00') }, 'filed'],
  ])('%s → %s', (_name, input, status) => {
    expect(filingStatus(input).status).toBe(status);
  });

  it('returns the deadline and its basis', () => {
    expect(filingStatus({ inUseSinceMs: inUse, nowMs: inUse })).toMatchObject({ status: 'due', basis: 'initial', lastDay: '2025-06-09' });
    expect(filingStatus({ inUseSinceMs: inUse, filedMs: inUse, lastChangeMs: change, nowMs: change })).toMatchObject({
      status: 'stale',
      basis: 'change',
      lastDay: '2025-09-19',
    });
  });
});

describe('changedFilingFacts', () => {
  const filed: FilingFacts = {
    unitName: '人民商场',
    unitType: '企业',
    unifiedSocialCreditCode: '91110000000000000X',
    contact: '张三 010-00000000',
    systemLocation: '北京市东城区某路 1 号',
    cameraCountByType: { bullet: 12, dome: 3 },
    retentionDays: 30,
  };

  it.each([
    ['nothing', {}, []],
    ['same counts in another order, zero entries ignored', { cameraCountByType: { dome: 3, bullet: 12, ptz: 0 } }, []],
    ['camera count', { cameraCountByType: { bullet: 13, dome: 3 } }, ['cameraCountByType']],
    ['location', { systemLocation: '北京市东城区某路 2 号' }, ['systemLocation']],
    ['retention', { retentionDays: 90 }, ['retentionDays']],
    ['unit and retention', { unitName: '新商场', retentionDays: 60 }, ['unitName', 'retentionDays']],
  ])('%s', (_name, change, expected) => {
    expect(changedFilingFacts(filed, { ...filed, ...change })).toEqual(expected);
  });
});
