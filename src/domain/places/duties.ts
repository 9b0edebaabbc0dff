// Operations duties as pure rules (D17, R8.2, R24): task kinds, due days of recurring tasks, rectification
// deadlines of inspection findings and the response period of public reports. Pure: `nowMs` is a parameter.
//
// Days are China Standard Time calendar days, counted as filing.ts counts them: a thing due on day D is in time
// until 24:00 CST of D (the first late instant is 00:00 CST of D + 1). A recurring task is next due `recurrenceDays`
// after the CST day it was last done (not after its previous due day): a late check restarts the period from the
// day it was actually done, so the gap between two checks never exceeds the period.
import { addCstDays, cstDayOf, cstDayStartMs, MS_PER_DAY, type CstDay } from './filing.js';

/** Kinds of duty task. Codes are an interface: add, never rename or reuse. */
export const TASK_KINDS = [
  'maintenance', // D17: routine maintenance of cameras and systems
  'equipment_inspection', // D17: periodic inspection of the equipment (image quality, clock, storage)
  'r8_area_check', // R8.2: regular check that no camera films an R8.1 area; finds are reported to the police
  'self_assessment', // D17: periodic evaluation of the unit's own compliance
  'emergency_drill', // D17: rehearsal of the emergency plan
  'training', // D17 / R16.1: training sessions of the monitoring staff
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** The article each kind of task discharges. */
export const TASK_KIND_ARTICLES: Readonly<Record<TaskKind, string>> = {
  maintenance: 'D17',
  equipment_inspection: 'D17',
  r8_area_check: 'R8.2',
  self_assessment: 'D17',
  emergency_drill: 'D17',
  training: 'D17',
};

export function isTaskKind(value: string): value is TaskKind {
  return (TASK_KINDS as readonly string[]).includes(value);
}

/** Longest recurrence accepted: five years (a longer "recurring" duty is not regular in any sense). */
export const MAX_RECURRENCE_DAYS = 5 * 366;

/**
 * Our choice (documented in docs/compliance.md): a public report (举报, R24) gets its first public reply within
 * 15 days of the CST day it was received — the period 信访工作条例 (2022) gives for telling a petitioner
 * whether the matter is accepted. R24 itself sets no period.
 */
export const COMPLAINT_RESPONSE_DAYS = 15;

// The facts the duty checks read (ComplianceSnapshot fields; collected by compliance/ and requests/).

/** One active duty task (compliance/): its kind and the CST day it is next due. */
export interface TaskFacts {
  id: string;
  kind: TaskKind;
  title: string;
  nextDueDay: CstDay;
}

/** One finding of a police inspection (R24) and its rectification. */
export interface RectificationFacts {
  findingId: string;
  inspectionId: string;
  /** The article the inspector cited. */
  article: string;
  deadlineDay: CstDay;
  /** When the unit recorded the rectification; absent while open. */
  rectifiedMs?: number;
}

/** One public report (举报, R24). */
export interface ComplaintFacts {
  id: string;
  receivedMs: number;
  /** The first reply visible to the reporter; absent while there is none. */
  firstPublicReplyMs?: number;
  closed: boolean;
}

/** R16.3: what audit/ says of the access register. */
export interface AccessRegisterFacts {
  /** The hash chain and checkpoints verify. */
  verified: boolean;
  /** Problems verify reported (kind and message), when it did not verify. */
  problems: readonly { kind: string; seq?: number; message: string }[];
  /** Granted entries lacking the reason, the viewer's name or unit, by register id. */
  incompleteEntries: readonly { id: number; missing: readonly ('reason' | 'name' | 'unit')[] }[];
}

/** The next due day of a recurring task done at `doneMs`. */
export function nextDueDay(doneMs: number, recurrenceDays: number): CstDay {
  if (!Number.isInteger(recurrenceDays) || recurrenceDays < 1 || recurrenceDays > MAX_RECURRENCE_DAYS) {
    throw new RangeError(`recurrence must be 1–${MAX_RECURRENCE_DAYS} days, got ${recurrenceDays}`);
  }
  return addCstDays(cstDayOf(doneMs), recurrenceDays);
}

/** First late instant of something due on `day`: 00:00 CST of the next day. */
export function lateFromMs(day: CstDay): number {
  return cstDayStartMs(addCstDays(day, 1));
}

export type DueState = 'overdue' | 'due_soon' | 'scheduled';

export interface DueStatus {
  state: DueState;
  dueDay: CstDay;
  /** First late instant (00:00 CST after dueDay). */
  lateFromMs: number;
  /** Whole CST days from today to the due day: 0 = due today, negative = overdue by that many days. */
  daysLeft: number;
}

/** Where a due day stands at `nowMs`: overdue once its day has ended, due soon within `withinDays` days (0 = today). */
export function dueStatus(dueDay: CstDay, nowMs: number, withinDays: number): DueStatus {
  const late = lateFromMs(dueDay);
  const daysLeft = Math.round((cstDayStartMs(dueDay) - cstDayStartMs(cstDayOf(nowMs))) / MS_PER_DAY);
  const state: DueState = nowMs >= late ? 'overdue' : daysLeft <= withinDays ? 'due_soon' : 'scheduled';
  return { state, dueDay, lateFromMs: late, daysLeft };
}

/** The last CST day on which a public report must have its first public reply. */
export function complaintReplyDueDay(receivedMs: number): CstDay {
  return addCstDays(cstDayOf(receivedMs), COMPLAINT_RESPONSE_DAYS);
}

/** A report is unanswered when its reply day has ended with no public reply (a reply after it still counts as late). */
export function complaintUnanswered(receivedMs: number, firstPublicReplyMs: number | undefined, nowMs: number): boolean {
  const late = lateFromMs(complaintReplyDueDay(receivedMs));
  return firstPublicReplyMs === undefined ? nowMs >= late : false;
}

/** Rectification of an inspection finding (R24) is overdue once its deadline day has ended and it is not rectified. */
export function rectificationOverdue(deadlineDay: CstDay, rectifiedMs: number | undefined, nowMs: number): boolean {
  return rectifiedMs === undefined && nowMs >= lateFromMs(deadlineDay);
}

/**
 * Duty-log coverage (D17): the share of the period's CST days on which at least one entry was written. The period
 * is [fromMs, toMs); a day counts if any of it falls in the period.
 */
export function dutyCoverage(entryMs: readonly number[], fromMs: number, toMs: number): { days: number; coveredDays: number; uncoveredDays: CstDay[] } {
  if (toMs <= fromMs) return { days: 0, coveredDays: 0, uncoveredDays: [] };
  const covered = new Set(entryMs.filter((ms) => ms >= fromMs && ms < toMs).map(cstDayOf));
  const uncoveredDays: CstDay[] = [];
  let days = 0;
  for (let day = cstDayOf(fromMs); cstDayStartMs(day) < toMs; day = addCstDays(day, 1)) {
    days += 1;
    if (!covered.has(day)) uncoveredDays.push(day);
  }
  return { days, coveredDays: days - uncoveredDays.length, uncoveredDays };
}
