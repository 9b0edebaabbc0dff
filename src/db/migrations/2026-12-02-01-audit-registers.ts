// Owner: audit/. The access register and the system log (R16.3): hash-chained, append-only, checkpoint-signed.
// Frozen: never edit; add a new migration. Triggers on both dialects refuse UPDATE and DELETE (and TRUNCATE on
// PostgreSQL) on all four tables, so rows can only be appended — even by Vigil's own code.
import { sql, type Kysely } from 'kysely';

const TABLES = ['access_register', 'access_register_cameras', 'system_log', 'audit_checkpoints'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter.constructor.name.startsWith('Postgres');
  const blob = postgres ? 'bytea' : 'blob';
  // seq is always given explicitly by audit/ (it is part of the hashed row); the identity is only the column kind.
  const autoId = (table: ReturnType<Kysely<any>['schema']['createTable']>, name: string) =>
    postgres
      ? table.addColumn(name, 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : table.addColumn(name, 'integer', (c) => c.primaryKey().autoIncrement());

  await autoId(db.schema.createTable('access_register'), 'seq')
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('open', 'refused', 'close')`))
    .addColumn('for_seq', 'bigint')
    .addColumn('account_id', 'text')
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('camera_ids', 'text', (c) => c.notNull())
    .addColumn('from_ms', 'bigint')
    .addColumn('to_ms', 'bigint')
    .addColumn('reason_category', 'text')
    .addColumn('reason_text', 'text')
    .addColumn('request_id', 'text')
    .addColumn('client_addr', 'text')
    .addColumn('refusal_code', 'text')
    .addColumn('refusal_article', 'text')
    .addColumn('refusal_message', 'text')
    .addColumn('bytes', 'bigint')
    .addColumn('ended_ms', 'bigint')
    .addColumn('prev_hash', blob, (c) => c.notNull())
    .addColumn('hash', blob, (c) => c.notNull())
    .execute();
  // Lists filter by time and by who/what; a close entry is found from its open entry through for_seq.
  await db.schema.createIndex('access_register_at').on('access_register').columns(['at_ms']).execute();
  await db.schema.createIndex('access_register_account_at').on('access_register').columns(['account_id', 'at_ms']).execute();
  await db.schema.createIndex('access_register_username_at').on('access_register').columns(['username', 'at_ms']).execute();
  await db.schema.createIndex('access_register_unit_at').on('access_register').columns(['unit', 'at_ms']).execute();
  await db.schema.createIndex('access_register_action_at').on('access_register').columns(['action', 'at_ms']).execute();
  await db.schema.createIndex('access_register_for_seq').on('access_register').columns(['for_seq']).execute();

  // Derived from camera_ids (written in the same transaction) so "who saw camera X on day D" is an index range scan.
  await db.schema
    .createTable('access_register_cameras')
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_register_cameras_pk', ['seq', 'camera_id'])
    .execute();
  await db.schema.createIndex('access_register_cameras_camera_at').on('access_register_cameras').columns(['camera_id', 'at_ms', 'seq']).execute();

  await autoId(db.schema.createTable('system_log'), 'seq')
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_username', 'text')
    .addColumn('actor_name', 'text')
    .addColumn('actor_unit', 'text')
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('client_addr', 'text')
    .addColumn('prev_hash', blob, (c) => c.notNull())
    .addColumn('hash', blob, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('system_log_at').on('system_log').columns(['at_ms']).execute();
  await db.schema.createIndex('system_log_actor_at').on('system_log').columns(['actor_id', 'at_ms']).execute();
  await db.schema.createIndex('system_log_event_at').on('system_log').columns(['event', 'at_ms']).execute();
  await db.schema.createIndex('system_log_target_at').on('system_log').columns(['target', 'at_ms']).execute();

  await autoId(db.schema.createTable('audit_checkpoints'), 'id')
    .addColumn('log', 'text', (c) => c.notNull().check(sql`log in ('access', 'system')`))
    .addColumn('upto_seq', 'bigint', (c) => c.notNull())
    .addColumn('head_hash', blob, (c) => c.notNull())
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('signature', blob, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_checkpoints_log_upto').on('audit_checkpoints').columns(['log', 'upto_seq']).execute();

  if (postgres) {
    await sql`CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% is append-only (R16.3)', TG_TABLE_NAME; END $$`.execute(db);
    for (const t of TABLES) {
      await sql`CREATE TRIGGER ${sql.raw(`${t}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.table(t)}
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()`.execute(db);
      await sql`CREATE TRIGGER ${sql.raw(`${t}_no_truncate`)} BEFORE TRUNCATE ON ${sql.table(t)}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()`.execute(db);
    }
  } else {
    for (const t of TABLES) {
      for (const op of ['UPDATE', 'DELETE'] as const) {
        await sql`CREATE TRIGGER ${sql.raw(`${t}_no_${op.toLowerCase()}`)} BEFORE ${sql.raw(op)} ON ${sql.table(t)}
          BEGIN SELECT RAISE(ABORT, ${sql.lit(`${t} is append-only (R16.3)`)}); END`.execute(db);
      }
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [...TABLES].reverse()) await db.schema.dropTable(t).execute();
  if (db.getExecutor().adapter.constructor.name.startsWith('Postgres')) await sql`DROP FUNCTION audit_append_only()`.execute(db);
}
