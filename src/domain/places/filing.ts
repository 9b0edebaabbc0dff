// Filing (备案) deadlines, R14. Pure: the current time is a parameter (nowMs), never read from a clock.
//
// The day rule, exactly:
// - A day is a China Standard Time calendar day: [00:00, 24:00) at UTC+8 (China has no daylight saving time).
// - "自…之日起 N 日内" is counted as the Civil Code counts periods (民法典 第二百零一条、第二百零三条): the starting
//   day is not counted, day 1 is the next day, and the period ends at 24:00 CST of its last day. So
//   lastDay = startDay + N calendar days, and the deadline instant is 00:00 CST of the day after lastDay.
//   Month lengths and leap days fall out of plain calendar arithmetic.
// - Art. 203 moves a last day that falls on a statutory holiday to the next working day; Vigil does not know the
//   holiday calendar, so it never extends (the stricter reading: a filing made in time by our count is in time).
// - R14 transition: a system in use before the Regulation took effect (in-use CST day < 2025-04-01) must file
//   within 90 days of 2025-04-01: lastDay 2025-06-30.
// - Change filing: R14 asks for 备案变更 "及时" (promptly) and gives no number of days. Vigil uses 30 days from the
//   CST day of the change, the same period as a first filing — our choice, not the Regulation's.

export const MS_PER_DAY = 86_400_000;
/** UTC+8, China Standard Time. */
export const CST_OFFSET_MS = 8 * 3_600_000;
export const INITIAL_FILING_DAYS = 30;
export const TRANSITIONAL_FILING_DAYS = 90;
/** Our choice: R14 says only "及时" for change filings. */
export const CHANGE_FILING_DAYS = 30;
/** The Regulation took effect on this CST day (R34). */
export const REGULATION_EFFECTIVE_DAY = '2025-04-01';

/** A CST calendar day as 'YYYY-MM-DD'. */
export type CstDay = string;

function dayNumberOf(ms: number): number {
  return Math.floor((ms + CST_OFFSET_MS) / MS_PER_DAY);
}

function dayFromNumber(dayNumber: number): CstDay {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

function numberFromDay(day: CstDay): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new RangeError(`Not a calendar day: "${day}"`);
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const ms = Date.UTC(y, m - 1, d);
  if (dayFromNumber(ms / MS_PER_DAY) !== day) throw new RangeError(`Not a calendar day: "${day}"`);
  return ms / MS_PER_DAY;
}

/** The CST calendar day an instant falls on. */
export function cstDayOf(ms: number): CstDay {
  return dayFromNumber(dayNumberOf(ms));
}

/** 00:00 CST of a day, as epoch milliseconds. */
export function cstDayStartMs(day: CstDay): number {
  return numberFromDay(day) * MS_PER_DAY - CST_OFFSET_MS;
}

export function addCstDays(day: CstDay, days: number): CstDay {
  return dayFromNumber(numberFromDay(day) + days);
}

export interface Deadline {
  /** Last CST day on which the filing is still in time. */
  lastDay: CstDay;
  /** First instant that is late: 00:00 CST of the day after lastDay (filing at ms < deadlineMs is in time). */
  deadlineMs: number;
}

/** "Within N days from the day of startMs" (R14), counted by the day rule above. */
export function deadlineAfter(startMs: number, days: number): Deadline {
  const lastDay = addCstDays(cstDayOf(startMs), days);
  return { lastDay, deadlineMs: cstDayStartMs(addCstDays(lastDay, 1)) };
}

export type FilingBasis = 'initial' | 'transitional' | 'change';

/** R14: 30 days from going into use, or 90 days from 2025-04-01 for systems in use before it. */
export function initialFilingDeadline(inUseSinceMs: number): Deadline & { basis: 'initial' | 'transitional' } {
  if (cstDayOf(inUseSinceMs) < REGULATION_EFFECTIVE_DAY) {
    return { basis: 'transitional', ...deadlineAfter(cstDayStartMs(REGULATION_EFFECTIVE_DAY), TRANSITIONAL_FILING_DAYS) };
  }
  return { basis: 'initial', ...deadlineAfter(inUseSinceMs, INITIAL_FILING_DAYS) };
}

/** R14 备案变更: CHANGE_FILING_DAYS (our choice) from the change. */
export function changeFilingDeadline(lastChangeMs: number): Deadline & { basis: 'change' } {
  return { basis: 'change', ...deadlineAfter(lastChangeMs, CHANGE_FILING_DAYS) };
}

export interface FilingInput {
  /** When the system went into use (投入使用); undefined while it is not in use. */
  inUseSinceMs?: number;
  /** When the current filing was submitted; undefined if never filed. */
  filedMs?: number;
  /** The last change to a filed fact (cameras, location, retention, unit); undefined if none. */
  lastChangeMs?: number;
  nowMs: number;
}

export type FilingStatus =
  | { status: 'not_due' }
  | { status: 'filed' }
  | ({ status: 'due' | 'overdue' } & Deadline & { basis: FilingBasis })
  | ({ status: 'stale' } & Deadline & { basis: 'change' });

/**
 * Where a system stands with R14. A change after the filing makes it 'stale' until the change deadline passes,
 * then 'overdue' with basis 'change'. A change before the filing is already in the filing and does not count.
 */
export function filingStatus({ inUseSinceMs, filedMs, lastChangeMs, nowMs }: FilingInput): FilingStatus {
  if (filedMs !== undefined) {
    if (lastChangeMs === undefined || lastChangeMs <= filedMs) return { status: 'filed' };
    const deadline = changeFilingDeadline(lastChangeMs);
    return { ...deadline, status: nowMs < deadline.deadlineMs ? 'stale' : 'overdue' };
  }
  if (inUseSinceMs === undefined || nowMs < inUseSinceMs) return { status: 'not_due' };
  const deadline = initialFilingDeadline(inUseSinceMs);
  return { ...deadline, status: nowMs < deadline.deadlineMs ? 'due' : 'overdue' };
}

/** The facts R14 says a filing holds; a difference between filed and live facts is a change to file. */
export interface FilingFacts {
  unitName: string;
  unitType: string;
  unifiedSocialCreditCode: string;
  contact: string;
  systemLocation: string;
  /** Capture devices by type, e.g. { bullet: 12, dome: 3 }. */
  cameraCountByType: Readonly<Record<string, number>>;
  retentionDays: number;
}

/** Names of the filed facts that differ from the live ones, in a stable order. */
export function changedFilingFacts(filed: FilingFacts, live: FilingFacts): (keyof FilingFacts)[] {
  const keys: (keyof FilingFacts)[] = [
    'unitName',
    'unitType',
    'unifiedSocialCreditCode',
    'contact',
    'systemLocation',
    'cameraCountByType',
    'retentionDays',
  ];
  return keys.filter((key) => canonical(filed[key]) !== canonical(live[key]));
}

function canonical(value: FilingFacts[keyof FilingFacts]): string {
  if (typeof value !== 'object') return String(value);
  // Zero counts are no devices: { dome: 0 } files the same as {}.
  const entries = Object.entries(value).filter(([, count]) => count !== 0);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
