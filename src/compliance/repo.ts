// Queries on `management_unit`, `filing_submissions` and `filing_changes`, the tables compliance/ owns. No other
// table. Single statements, except where a comment says otherwise.
import type { Db, FilingSubmissionRow, ManagementUnitRow } from '../db/index.js';

export async function getUnit(db: Db): Promise<ManagementUnitRow | undefined> {
  return db.selectFrom('management_unit').selectAll().where('id', '=', 'unit').executeTakeFirst();
}

/**
 * Insert or replace the one profile row, in one statement (a read-then-insert let two first saves at once both insert,
 * and the second failed on the primary key: a 500 on PostgreSQL).
 */
export async function putUnit(db: Db, row: Omit<ManagementUnitRow, 'id'>): Promise<void> {
  await db.insertInto('management_unit').values({ id: 'unit', ...row }).onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
}

export async function insertSubmission(db: Db, row: FilingSubmissionRow): Promise<void> {
  await db.insertInto('filing_submissions').values(row).execute();
}

export async function listSubmissions(db: Db, systemId?: string): Promise<FilingSubmissionRow[]> {
  let query = db.selectFrom('filing_submissions').selectAll().orderBy('submitted_ms', 'desc').orderBy('id', 'desc');
  if (systemId !== undefined) query = query.where('system_id', '=', systemId);
  return query.execute();
}

/** The latest submission of each system. */
export async function latestSubmissions(db: Db): Promise<Map<string, FilingSubmissionRow>> {
  const latest = new Map<string, FilingSubmissionRow>();
  for (const row of await listSubmissions(db)) if (!latest.has(row.system_id)) latest.set(row.system_id, row);
  return latest;
}

export async function getSubmission(db: Db, id: string): Promise<FilingSubmissionRow | undefined> {
  return db.selectFrom('filing_submissions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Records the receipt only if none is recorded yet; false when one was. */
export async function setReceipt(db: Db, id: string, receipt: { receipt_number: string; receiving_organ: string; receipt_date: string; receipt_recorded_ms: number }): Promise<boolean> {
  const result = await db.updateTable('filing_submissions').set(receipt).where('id', '=', id).where('receipt_number', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function getChange(db: Db, systemId: string): Promise<{ submission_id: string; first_changed_ms: number; facts: string } | undefined> {
  return db.selectFrom('filing_changes').select(['submission_id', 'first_changed_ms', 'facts']).where('system_id', '=', systemId).executeTakeFirst();
}

/**
 * Keeps the first time a filed fact changed after submission `submissionId`: an existing row for the same submission
 * keeps its time (only the fact names are updated); a row for an older submission is replaced. One upsert, not a read
 * then an insert: refresh() runs after every change the process sees and before every status read, so two can run
 * at once, and on PostgreSQL both reads found no row and the second insert failed on the primary key (a 500 from
 * GET /api/v1/compliance/findings in a CI run).
 */
export async function noteChange(db: Db, systemId: string, submissionId: string, nowMs: number, facts: string[]): Promise<number> {
  const row = await db.insertInto('filing_changes')
    .values({ system_id: systemId, submission_id: submissionId, first_changed_ms: nowMs, facts: JSON.stringify(facts) })
    .onConflict((oc) => oc.column('system_id').doUpdateSet((eb) => ({
      facts: eb.ref('excluded.facts'),
      first_changed_ms: eb.case()
        .when('filing_changes.submission_id', '=', eb.ref('excluded.submission_id')).then(eb.ref('filing_changes.first_changed_ms'))
        .else(eb.ref('excluded.first_changed_ms')).end(),
      submission_id: eb.ref('excluded.submission_id'),
    })))
    .returning('first_changed_ms')
    .executeTakeFirstOrThrow();
  return Number(row.first_changed_ms);
}

export async function clearChange(db: Db, systemId: string): Promise<void> {
  await db.deleteFrom('filing_changes').where('system_id', '=', systemId).execute();
}
