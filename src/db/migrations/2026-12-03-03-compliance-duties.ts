// Owner: compliance/. The operations duties (D17, R8.2) and police inspections (R24): the duty log, recurring duty
// tasks and their completions, inspections with findings and their rectification, issued self-assessment reports.
// Frozen: never edit; add a new migration. The duty log, task completions and issued reports are records of what
// was done: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), as for the audit registers; a wrong
// duty-log entry is corrected by a new entry naming it (corrects_id). Tasks and inspection findings change state
// (next due day, rectified, closed); each change is written to the system log by compliance/.
import { sql, type Kysely } from 'kysely';

const APPEND_ONLY = ['duty_log', 'duty_task_completions', 'self_assessments'] as const;

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name.startsWith('Postgres');
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('duty_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('written_ms', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('shift_start', 'shift_end', 'observation', 'handover', 'correction')`))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('corrects_id', 'text')
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('author_username', 'text', (c) => c.notNull())
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('author_unit', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('duty_log_at').on('duty_log').columns(['at_ms', 'id']).execute();
  await db.schema.createIndex('duty_log_corrects').on('duty_log').columns(['corrects_id']).execute();

  await db.schema
    .createTable('duty_tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('scope_kind', 'text', (c) => c.notNull().check(sql`scope_kind in ('unit', 'cameras', 'systems')`))
    .addColumn('scope_ids', 'text', (c) => c.notNull())
    .addColumn('recurrence_days', 'integer', (c) => c.notNull())
    .addColumn('next_due_day', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('duty_tasks_due').on('duty_tasks').columns(['active', 'next_due_day']).execute();

  await db.schema
    .createTable('duty_task_completions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('done_ms', 'bigint', (c) => c.notNull())
    .addColumn('recorded_ms', 'bigint', (c) => c.notNull())
    .addColumn('due_day', 'text', (c) => c.notNull())
    .addColumn('next_due_day', 'text', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull().check(sql`result in ('ok', 'issues_found')`))
    .addColumn('findings', 'text', (c) => c.notNull())
    .addColumn('forbidden_camera_found', 'integer')
    .addColumn('police_report_ref', 'text')
    .addColumn('by_id', 'text', (c) => c.notNull())
    .addColumn('by_name', 'text', (c) => c.notNull())
    .addColumn('by_unit', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('duty_task_completions_task').on('duty_task_completions').columns(['task_id', 'done_ms']).execute();
  await db.schema.createIndex('duty_task_completions_done').on('duty_task_completions').columns(['done_ms']).execute();

  await db.schema
    .createTable('inspections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('inspected_ms', 'bigint', (c) => c.notNull())
    .addColumn('inspectors', 'text', (c) => c.notNull())
    .addColumn('inspector_unit', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('recorded_by_id', 'text', (c) => c.notNull())
    .addColumn('recorded_by_name', 'text', (c) => c.notNull())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inspections_at').on('inspections').columns(['inspected_ms']).execute();

  await db.schema
    .createTable('inspection_findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('inspection_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('article', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('deadline_day', 'text', (c) => c.notNull())
    .addColumn('rectified_ms', 'bigint')
    .addColumn('rectification', 'text')
    .addColumn('rectified_by_id', 'text')
    .addColumn('rectified_by_name', 'text')
    .addColumn('closed_ms', 'bigint')
    .addColumn('closed_by_id', 'text')
    .addColumn('closed_by_name', 'text')
    .execute();
  await db.schema.createIndex('inspection_findings_inspection').on('inspection_findings').columns(['inspection_id', 'seq']).execute();
  await db.schema.createIndex('inspection_findings_open').on('inspection_findings').columns(['closed_ms', 'deadline_day']).execute();

  await db.schema
    .createTable('self_assessments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('from_ms', 'bigint', (c) => c.notNull())
    .addColumn('to_ms', 'bigint', (c) => c.notNull())
    .addColumn('issued_ms', 'bigint', (c) => c.notNull())
    .addColumn('issued_by_id', 'text', (c) => c.notNull())
    .addColumn('issued_by_name', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('self_assessments_issued').on('self_assessments').columns(['issued_ms']).execute();

  if (isPostgres(db)) {
    await sql`CREATE FUNCTION compliance_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% is append-only (D17)', TG_TABLE_NAME; END $$`.execute(db);
    for (const t of APPEND_ONLY) {
      await sql`CREATE TRIGGER ${sql.raw(`${t}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.table(t)}
        FOR EACH ROW EXECUTE FUNCTION compliance_append_only()`.execute(db);
      await sql`CREATE TRIGGER ${sql.raw(`${t}_no_truncate`)} BEFORE TRUNCATE ON ${sql.table(t)}
        FOR EACH STATEMENT EXECUTE FUNCTION compliance_append_only()`.execute(db);
    }
  } else {
    for (const t of APPEND_ONLY) {
      for (const op of ['UPDATE', 'DELETE'] as const) {
        await sql`CREATE TRIGGER ${sql.raw(`${t}_no_${op.toLowerCase()}`)} BEFORE ${sql.raw(op)} ON ${sql.table(t)}
          BEGIN SELECT RAISE(ABORT, ${sql.lit(`${t} is append-only (D17)`)}); END`.execute(db);
      }
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['self_assessments', 'inspection_findings', 'inspections', 'duty_task_completions', 'duty_tasks', 'duty_log']) {
    await db.schema.dropTable(t).execute();
  }
  if (isPostgres(db)) await sql`DROP FUNCTION compliance_append_only()`.execute(db);
}
