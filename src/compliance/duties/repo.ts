// Queries on the tables compliance/ duties own (db/tables.ts): duty_log, duty_tasks, duty_task_completions,
// inspections, inspection_findings, self_assessments. No other module queries them; this file queries no other
// table. It stores what it is given: validation, ids and clocks are the services'.
//
// Transactions: a task completion and the task's new due day are written in one transaction, the task row first
// (its UPDATE takes the row lock, so two completions of one task run one after the other); an inspection and its
// findings likewise. A finding's state change is one conditional UPDATE whose WHERE states the expected state, so a
// concurrent change cannot be overwritten (0 rows → the caller re-reads and says why).
import type {
  Db,
  DutyLogRow,
  DutyTaskCompletionRow,
  DutyTaskRow,
  InspectionFindingRow,
  InspectionRow,
  SelfAssessmentRow,
} from '../../db/index.js';

export interface PageQuery {
  limit: number;
  offset: number;
}

const count = (n: number | string | bigint) => Number(n);

export class DutiesRepo {
  constructor(private readonly db: Db) {}

  // ---- duty log ----
  async appendLog(row: DutyLogRow): Promise<void> {
    await this.db.insertInto('duty_log').values(row).execute();
  }

  async getLog(id: string): Promise<DutyLogRow | undefined> {
    return this.db.selectFrom('duty_log').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Entries with at_ms in [fromMs, toMs), oldest first, and the total. */
  async listLog(fromMs: number, toMs: number, page: PageQuery): Promise<{ rows: DutyLogRow[]; total: number }> {
    const base = this.db.selectFrom('duty_log').where('at_ms', '>=', fromMs).where('at_ms', '<', toMs);
    const [rows, total] = await Promise.all([
      base.selectAll().orderBy('at_ms').orderBy('id').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count(total.n) };
  }

  /** Ids of the entries that corrections among `ids` name: an entry is shown as corrected by them. */
  async correctionsOf(ids: readonly string[]): Promise<{ id: string; corrects_id: string }[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('duty_log').select(['id', 'corrects_id']).where('corrects_id', 'in', ids).orderBy('id').execute();
    return rows.filter((r): r is { id: string; corrects_id: string } => r.corrects_id !== null);
  }

  async logTimes(fromMs: number, toMs: number): Promise<number[]> {
    const rows = await this.db.selectFrom('duty_log').select('at_ms').where('at_ms', '>=', fromMs).where('at_ms', '<', toMs).execute();
    return rows.map((r) => Number(r.at_ms));
  }

  // ---- tasks ----
  async insertTask(row: DutyTaskRow): Promise<void> {
    await this.db.insertInto('duty_tasks').values(row).execute();
  }

  async getTask(id: string): Promise<DutyTaskRow | undefined> {
    return this.db.selectFrom('duty_tasks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async updateTask(id: string, change: Partial<Omit<DutyTaskRow, 'id' | 'created_ms' | 'created_by'>>): Promise<DutyTaskRow | undefined> {
    await this.db.updateTable('duty_tasks').set(change).where('id', '=', id).execute();
    return this.getTask(id);
  }

  /** Tasks by due day (then id); only active ones unless `all`. */
  async listTasks(filter: { all?: boolean; dueOnOrBefore?: string } = {}): Promise<DutyTaskRow[]> {
    let q = this.db.selectFrom('duty_tasks').selectAll();
    if (!filter.all) q = q.where('active', '=', 1);
    if (filter.dueOnOrBefore) q = q.where('next_due_day', '<=', filter.dueOnOrBefore);
    return q.orderBy('next_due_day').orderBy('id').execute();
  }

  /** Appends the completion and moves the task's due day, atomically; undefined if there is no such task. */
  async complete(taskId: string, plan: (task: DutyTaskRow) => DutyTaskCompletionRow): Promise<DutyTaskCompletionRow | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const locked = await trx.updateTable('duty_tasks').set((eb) => ({ updated_ms: eb.ref('updated_ms') })).where('id', '=', taskId).executeTakeFirst();
      if (Number(locked.numUpdatedRows) === 0) return undefined;
      const task = await trx.selectFrom('duty_tasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow();
      const completion = plan(task);
      await trx.insertInto('duty_task_completions').values(completion).execute();
      await trx.updateTable('duty_tasks').set({ next_due_day: completion.next_due_day, updated_ms: completion.recorded_ms }).where('id', '=', taskId).execute();
      return completion;
    });
  }

  async completionsOf(taskId: string, page: PageQuery): Promise<{ rows: DutyTaskCompletionRow[]; total: number }> {
    const base = this.db.selectFrom('duty_task_completions').where('task_id', '=', taskId);
    const [rows, total] = await Promise.all([
      base.selectAll().orderBy('done_ms', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count(total.n) };
  }

  async completionsBetween(fromMs: number, toMs: number): Promise<(DutyTaskCompletionRow & { kind: string })[]> {
    return this.db
      .selectFrom('duty_task_completions as c')
      .innerJoin('duty_tasks as t', 't.id', 'c.task_id')
      .selectAll('c')
      .select('t.kind')
      .where('c.done_ms', '>=', fromMs)
      .where('c.done_ms', '<', toMs)
      .orderBy('c.done_ms')
      .execute();
  }

  // ---- inspections ----
  async insertInspection(inspection: InspectionRow, findings: InspectionFindingRow[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('inspections').values(inspection).execute();
      if (findings.length > 0) await trx.insertInto('inspection_findings').values(findings).execute();
    });
  }

  async getInspection(id: string): Promise<{ inspection: InspectionRow; findings: InspectionFindingRow[] } | undefined> {
    const inspection = await this.db.selectFrom('inspections').selectAll().where('id', '=', id).executeTakeFirst();
    if (!inspection) return undefined;
    const findings = await this.db.selectFrom('inspection_findings').selectAll().where('inspection_id', '=', id).orderBy('seq').execute();
    return { inspection, findings };
  }

  async listInspections(filter: { fromMs?: number; toMs?: number }, page: PageQuery): Promise<{ rows: InspectionRow[]; total: number }> {
    let base = this.db.selectFrom('inspections');
    if (filter.fromMs !== undefined) base = base.where('inspected_ms', '>=', filter.fromMs);
    if (filter.toMs !== undefined) base = base.where('inspected_ms', '<', filter.toMs);
    const [rows, total] = await Promise.all([
      base.selectAll().orderBy('inspected_ms', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count(total.n) };
  }

  async findingsOf(inspectionIds: readonly string[]): Promise<InspectionFindingRow[]> {
    if (inspectionIds.length === 0) return [];
    return this.db.selectFrom('inspection_findings').selectAll().where('inspection_id', 'in', inspectionIds).orderBy('inspection_id').orderBy('seq').execute();
  }

  async getFinding(id: string): Promise<InspectionFindingRow | undefined> {
    return this.db.selectFrom('inspection_findings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Records the rectification of a finding still open and unrectified; false if it was not in that state. */
  async rectify(id: string, set: { rectified_ms: number; rectification: string; rectified_by_id: string; rectified_by_name: string }): Promise<boolean> {
    const r = await this.db.updateTable('inspection_findings').set(set).where('id', '=', id).where('closed_ms', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Closes a rectified, open finding; false if it was not in that state. */
  async closeFinding(id: string, set: { closed_ms: number; closed_by_id: string; closed_by_name: string }): Promise<boolean> {
    const r = await this.db
      .updateTable('inspection_findings')
      .set(set)
      .where('id', '=', id)
      .where('closed_ms', 'is', null)
      .where('rectified_ms', 'is not', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Findings not closed, plus those closed in [fromMs, ∞) — what the facts and the report need. */
  async openFindings(): Promise<InspectionFindingRow[]> {
    return this.db.selectFrom('inspection_findings').selectAll().where('closed_ms', 'is', null).orderBy('deadline_day').orderBy('id').execute();
  }

  // ---- self-assessments ----
  async insertReport(row: SelfAssessmentRow): Promise<void> {
    await this.db.insertInto('self_assessments').values(row).execute();
  }

  async getReport(id: string): Promise<SelfAssessmentRow | undefined> {
    return this.db.selectFrom('self_assessments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listReports(page: PageQuery): Promise<{ rows: Omit<SelfAssessmentRow, 'body'>[]; total: number }> {
    const [rows, total] = await Promise.all([
      this.db.selectFrom('self_assessments').select(['id', 'from_ms', 'to_ms', 'issued_ms', 'issued_by_id', 'issued_by_name'])
        .orderBy('issued_ms', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
      this.db.selectFrom('self_assessments').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count(total.n) };
  }
}
