// Recurring duty tasks and their completions (D17 maintenance, inspections, self-assessments; R8.2 regular checks
// of the R8.1 areas). Due days come from domain/ (`nextDueDay`, `dueStatus`: CST days); this file stores and
// validates. Every definition change and every completion is written to the system log (who, what).
import { v7 as uuidv7 } from 'uuid';
import {
  cstDayOf,
  dueStatus,
  isTaskKind,
  MAX_RECURRENCE_DAYS,
  nextDueDay,
  TASK_KIND_ARTICLES,
  TASK_KINDS,
  type DueStatus,
  type TaskKind,
} from '../../domain/index.js';
import type { DutyTaskCompletionRow, DutyTaskRow } from '../../db/index.js';
import { DutyError } from './errors.js';
import type { SystemActor, SystemEventRecorder } from './ports.js';
import type { DutiesRepo } from './repo.js';
import { requireDay, requirePastInstant, requireText, TITLE_MAX_CHARS } from './validate.js';

export type TaskScope = { kind: 'unit' } | { kind: 'cameras' | 'systems'; ids: string[] };

export interface DutyTask {
  id: string;
  kind: TaskKind;
  /** The article the task discharges (R8.2 for r8_area_check, D17 otherwise). */
  article: string;
  title: string;
  scope: TaskScope;
  recurrenceDays: number;
  nextDueDay: string;
  active: boolean;
  status: DueStatus;
  createdMs: number;
  updatedMs: number;
}

export interface NewTaskInput {
  kind: string;
  title: string;
  scope?: TaskScope;
  recurrenceDays: number;
  /** The first due day (CST); defaults to today + recurrence. */
  firstDueDay?: string;
}

export interface TaskPatch {
  title?: string;
  recurrenceDays?: number;
  nextDueDay?: string;
  active?: boolean;
}

export interface CompletionInput {
  /** When it was done; defaults to now. */
  doneMs?: number;
  result: 'ok' | 'issues_found';
  findings: string;
  /** R8.2 checks: was a camera found filming an R8.1 area? Required for r8_area_check, refused otherwise. */
  forbiddenCameraFound?: boolean;
  /** R8.2: the reference of the report to the police; required when a camera was found. */
  policeReportRef?: string;
}

export interface TaskCompletion {
  id: string;
  taskId: string;
  doneMs: number;
  recordedMs: number;
  dueDay: string;
  nextDueDay: string;
  /** Done after its due day had ended. */
  late: boolean;
  result: 'ok' | 'issues_found';
  findings: string;
  forbiddenCameraFound: boolean | null;
  policeReportRef: string | null;
  by: { id: string; name: string; unit: string };
}

/** Up to this many items in a scope. */
const SCOPE_MAX_IDS = 1000;
/** Reminders look at most a year ahead. */
export const DUE_WITHIN_MAX_DAYS = 366;

function scopeOf(row: DutyTaskRow): TaskScope {
  return row.scope_kind === 'unit' ? { kind: 'unit' } : { kind: row.scope_kind, ids: JSON.parse(row.scope_ids) as string[] };
}

export function taskView(row: DutyTaskRow, nowMs: number, withinDays = 7): DutyTask {
  const kind = row.kind as TaskKind;
  return {
    id: row.id, kind, article: TASK_KIND_ARTICLES[kind] ?? 'D17', title: row.title, scope: scopeOf(row),
    recurrenceDays: row.recurrence_days, nextDueDay: row.next_due_day, active: row.active === 1,
    status: dueStatus(row.next_due_day, nowMs, withinDays), createdMs: Number(row.created_ms), updatedMs: Number(row.updated_ms),
  };
}

export function completionView(r: DutyTaskCompletionRow): TaskCompletion {
  return {
    id: r.id, taskId: r.task_id, doneMs: Number(r.done_ms), recordedMs: Number(r.recorded_ms), dueDay: r.due_day, nextDueDay: r.next_due_day,
    late: cstDayOf(Number(r.done_ms)) > r.due_day, result: r.result, findings: r.findings,
    forbiddenCameraFound: r.forbidden_camera_found === null ? null : r.forbidden_camera_found === 1, policeReportRef: r.police_report_ref,
    by: { id: r.by_id, name: r.by_name, unit: r.by_unit },
  };
}

function requireRecurrence(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_RECURRENCE_DAYS) {
    throw new DutyError('invalid_duty_input', `'recurrenceDays' must be a whole number of days, 1–${MAX_RECURRENCE_DAYS}`, 'recurrenceDays');
  }
  return value;
}

function requireScope(scope: TaskScope | undefined): { kind: DutyTaskRow['scope_kind']; ids: string[] } {
  if (!scope || scope.kind === 'unit') return { kind: 'unit', ids: [] };
  if (scope.kind !== 'cameras' && scope.kind !== 'systems') throw new DutyError('invalid_duty_input', `'scope.kind' must be unit, cameras or systems`, 'scope');
  const ids = [...new Set(scope.ids ?? [])];
  if (ids.length === 0 || ids.length > SCOPE_MAX_IDS || ids.some((id) => typeof id !== 'string' || id.length === 0 || id.length > 64)) {
    throw new DutyError('invalid_duty_input', `'scope.ids' must list 1–${SCOPE_MAX_IDS} ids`, 'scope');
  }
  return { kind: scope.kind, ids };
}

export class DutyTasks {
  constructor(
    private readonly repo: DutiesRepo,
    private readonly now: () => number,
    private readonly events: SystemEventRecorder,
  ) {}

  private log(actor: SystemActor | null, event: string, target: string, details: Record<string, unknown>): Promise<unknown> {
    return this.events.recordEvent({ actor, event, target, details, clientAddr: null });
  }

  async create(actor: SystemActor, input: NewTaskInput): Promise<DutyTask> {
    const nowMs = this.now();
    if (typeof input.kind !== 'string' || !isTaskKind(input.kind)) {
      throw new DutyError('invalid_duty_input', `'kind' must be one of ${TASK_KINDS.join(', ')}`, 'kind');
    }
    const recurrenceDays = requireRecurrence(input.recurrenceDays);
    const scope = requireScope(input.scope);
    const firstDue = input.firstDueDay === undefined ? nextDueDay(nowMs, recurrenceDays) : requireDay(input.firstDueDay, 'firstDueDay');
    const row: DutyTaskRow = {
      id: uuidv7(), kind: input.kind, title: requireText(input.title, 'title', TITLE_MAX_CHARS), scope_kind: scope.kind,
      scope_ids: JSON.stringify(scope.ids), recurrence_days: recurrenceDays, next_due_day: firstDue, active: 1,
      created_by: actor.accountId, created_ms: nowMs, updated_ms: nowMs,
    };
    await this.repo.insertTask(row);
    await this.log(actor, 'duty_task.created', row.id, { kind: row.kind, title: row.title, recurrenceDays, nextDueDay: firstDue, scope: scope.kind });
    return taskView(row, nowMs);
  }

  async update(actor: SystemActor, id: string, patch: TaskPatch): Promise<DutyTask> {
    const nowMs = this.now();
    const current = await this.repo.getTask(id.toLowerCase());
    if (!current) throw new DutyError('task_not_found', `no duty task ${id}`, 'id');
    const change: Partial<DutyTaskRow> = { updated_ms: nowMs };
    if (patch.title !== undefined) change.title = requireText(patch.title, 'title', TITLE_MAX_CHARS);
    if (patch.recurrenceDays !== undefined) change.recurrence_days = requireRecurrence(patch.recurrenceDays);
    if (patch.nextDueDay !== undefined) change.next_due_day = requireDay(patch.nextDueDay, 'nextDueDay');
    if (patch.active !== undefined) change.active = patch.active ? 1 : 0;
    const updated = (await this.repo.updateTask(current.id, change))!;
    const { updated_ms: _u, ...fields } = change;
    await this.log(actor, 'duty_task.changed', current.id, { changed: Object.keys(fields).sort(), ...fields });
    return taskView(updated, nowMs);
  }

  async get(id: string): Promise<DutyTask> {
    const row = await this.repo.getTask(id.toLowerCase());
    if (!row) throw new DutyError('task_not_found', `no duty task ${id}`, 'id');
    return taskView(row, this.now());
  }

  /** Active tasks (or all), by due day, each with its status as of now. */
  async list(options: { all?: boolean; withinDays?: number } = {}): Promise<DutyTask[]> {
    const nowMs = this.now();
    const rows = await this.repo.listTasks({ all: options.all ?? false });
    return rows.map((r) => taskView(r, nowMs, options.withinDays ?? 7));
  }

  /** Reminders: active tasks overdue or due within `withinDays` CST days (0 = today). */
  async due(withinDays: number, nowMs = this.now()): Promise<DutyTask[]> {
    if (!Number.isInteger(withinDays) || withinDays < 0 || withinDays > DUE_WITHIN_MAX_DAYS) {
      throw new DutyError('invalid_duty_input', `'within' must be 0–${DUE_WITHIN_MAX_DAYS} days`, 'within');
    }
    const rows = await this.repo.listTasks({});
    return rows.map((r) => taskView(r, nowMs, withinDays)).filter((t) => t.status.state !== 'scheduled');
  }

  async complete(actor: SystemActor, taskId: string, input: CompletionInput): Promise<TaskCompletion> {
    const nowMs = this.now();
    const doneMs = input.doneMs === undefined ? nowMs : requirePastInstant(input.doneMs, 'doneMs', nowMs);
    if (input.result !== 'ok' && input.result !== 'issues_found') throw new DutyError('invalid_duty_input', `'result' must be ok or issues_found`, 'result');
    const findings = requireText(input.findings, 'findings', undefined, input.result === 'ok');
    const policeRef = input.policeReportRef === undefined ? '' : requireText(input.policeReportRef, 'policeReportRef', TITLE_MAX_CHARS, true);
    const row = await this.repo.complete(taskId.toLowerCase(), (task): DutyTaskCompletionRow => {
      if (task.active !== 1) throw new DutyError('invalid_duty_input', `duty task ${task.id} is inactive`, 'id');
      let found: number | null = null;
      if (task.kind === 'r8_area_check') {
        if (typeof input.forbiddenCameraFound !== 'boolean') {
          throw new DutyError('invalid_duty_input', `an R8.1 area check states whether a camera was found ('forbiddenCameraFound')`, 'forbiddenCameraFound', 'R8.2');
        }
        // R8.2: a find is reported to the police; the record names the report.
        if (input.forbiddenCameraFound && policeRef === '') {
          throw new DutyError('police_report_required', 'a camera found in an R8.1 area must be reported to the police: give the report reference', 'policeReportRef', 'R8.2');
        }
        if (input.forbiddenCameraFound && input.result !== 'issues_found') {
          throw new DutyError('invalid_duty_input', `a check that found a camera has result issues_found`, 'result', 'R8.2');
        }
        found = input.forbiddenCameraFound ? 1 : 0;
      } else if (input.forbiddenCameraFound !== undefined) {
        throw new DutyError('invalid_duty_input', `'forbiddenCameraFound' belongs to r8_area_check tasks only`, 'forbiddenCameraFound');
      }
      return {
        id: uuidv7(), task_id: task.id, done_ms: doneMs, recorded_ms: nowMs, due_day: task.next_due_day,
        next_due_day: nextDueDay(doneMs, task.recurrence_days), result: input.result, findings, forbidden_camera_found: found,
        police_report_ref: policeRef === '' ? null : policeRef, by_id: actor.accountId, by_name: actor.displayName, by_unit: actor.unit,
      };
    });
    if (!row) throw new DutyError('task_not_found', `no duty task ${taskId}`, 'id');
    await this.log(actor, 'duty_task.completed', row.task_id, {
      completionId: row.id, result: row.result, dueDay: row.due_day, nextDueDay: row.next_due_day,
      ...(row.forbidden_camera_found === null ? {} : { forbiddenCameraFound: row.forbidden_camera_found === 1, policeReportRef: row.police_report_ref }),
    });
    return completionView(row);
  }

  async completions(taskId: string, page: { limit: number; offset: number }): Promise<{ items: TaskCompletion[]; total: number }> {
    await this.get(taskId);
    const { rows, total } = await this.repo.completionsOf(taskId.toLowerCase(), page);
    return { items: rows.map(completionView), total };
  }
}
