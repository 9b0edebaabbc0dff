// Owner: integrity/. Tombstones and signed checkpoints are evidence (R15): once written, never changed or removed.
// Triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), as for the audit registers. Someone with the
// database can still drop them; `vigil verify` then catches what they changed (a tombstone's link, a checkpoint's
// signature). Frozen: never edit a shipped migration; add a new one.
import { sql, type Kysely } from 'kysely';

const TABLES = ['segment_tombstones', 'integrity_checkpoints'] as const;

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name.startsWith('Postgres');
}

export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`CREATE FUNCTION integrity_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% is append-only (R15)', TG_TABLE_NAME; END $$`.execute(db);
    for (const t of TABLES) {
      await sql`CREATE TRIGGER ${sql.raw(`${t}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.table(t)}
        FOR EACH ROW EXECUTE FUNCTION integrity_append_only()`.execute(db);
      await sql`CREATE TRIGGER ${sql.raw(`${t}_no_truncate`)} BEFORE TRUNCATE ON ${sql.table(t)}
        FOR EACH STATEMENT EXECUTE FUNCTION integrity_append_only()`.execute(db);
    }
    return;
  }
  for (const t of TABLES) {
    for (const op of ['UPDATE', 'DELETE'] as const) {
      await sql`CREATE TRIGGER ${sql.raw(`${t}_no_${op.toLowerCase()}`)} BEFORE ${sql.raw(op)} ON ${sql.table(t)}
        BEGIN SELECT RAISE(ABORT, ${sql.lit(`${t} is append-only (R15)`)}); END`.execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    for (const t of TABLES) {
      await sql`DROP TRIGGER ${sql.raw(`${t}_append_only`)} ON ${sql.table(t)}`.execute(db);
      await sql`DROP TRIGGER ${sql.raw(`${t}_no_truncate`)} ON ${sql.table(t)}`.execute(db);
    }
    await sql`DROP FUNCTION integrity_append_only()`.execute(db);
    return;
  }
  for (const t of TABLES) for (const op of ['update', 'delete']) await sql`DROP TRIGGER ${sql.raw(`${t}_no_${op}`)}`.execute(db);
}
