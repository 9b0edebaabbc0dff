// Owner: requests/. Public reports (举报) of unlawful installations (R24): the report as received and its response
// log. Frozen: never edit; add a new migration. The response log is append-only (triggers refuse UPDATE, DELETE and
// TRUNCATE); the report row changes state (assigned, answered, closed). The tracking code is stored only as its
// SHA-256, so the table alone does not let anyone read a reporter's status page. `contact` is personal information
// (PIPL): it is returned only to handlers and never logged.
import { sql, type Kysely } from 'kysely';

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name.startsWith('Postgres');
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('complaints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('received_ms', 'bigint', (c) => c.notNull())
    .addColumn('what', 'text', (c) => c.notNull())
    .addColumn('where_text', 'text', (c) => c.notNull())
    .addColumn('when_text', 'text', (c) => c.notNull())
    .addColumn('contact', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('received', 'assigned', 'answered', 'closed')`))
    .addColumn('assignee_id', 'text')
    .addColumn('assignee_name', 'text')
    .addColumn('first_public_reply_ms', 'bigint')
    .addColumn('closed_ms', 'bigint')
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('complaints_received').on('complaints').columns(['received_ms']).execute();
  await db.schema.createIndex('complaints_status').on('complaints').columns(['status', 'received_ms']).execute();

  await db.schema
    .createTable('complaint_responses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('complaint_id', 'text', (c) => c.notNull())
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('note', 'reply', 'assign', 'close')`))
    .addColumn('public', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('by_id', 'text', (c) => c.notNull())
    .addColumn('by_name', 'text', (c) => c.notNull())
    .addColumn('by_unit', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('complaint_responses_complaint').on('complaint_responses').columns(['complaint_id', 'at_ms', 'id']).execute();

  if (isPostgres(db)) {
    await sql`CREATE FUNCTION complaint_responses_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% is append-only (R24)', TG_TABLE_NAME; END $$`.execute(db);
    await sql`CREATE TRIGGER complaint_responses_append_only BEFORE UPDATE OR DELETE ON complaint_responses
      FOR EACH ROW EXECUTE FUNCTION complaint_responses_append_only()`.execute(db);
    await sql`CREATE TRIGGER complaint_responses_no_truncate BEFORE TRUNCATE ON complaint_responses
      FOR EACH STATEMENT EXECUTE FUNCTION complaint_responses_append_only()`.execute(db);
  } else {
    for (const op of ['UPDATE', 'DELETE'] as const) {
      await sql`CREATE TRIGGER ${sql.raw(`complaint_responses_no_${op.toLowerCase()}`)} BEFORE ${sql.raw(op)} ON complaint_responses
        BEGIN SELECT RAISE(ABORT, 'complaint_responses is append-only (R24)'); END`.execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('complaint_responses').execute();
  await db.schema.dropTable('complaints').execute();
  if (isPostgres(db)) await sql`DROP FUNCTION complaint_responses_append_only()`.execute(db);
}
