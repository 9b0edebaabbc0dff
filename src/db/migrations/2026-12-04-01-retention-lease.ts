// Owner: retention/. The executor's lease: one row naming the process that may run the retention executor and until
// when. `vigil serve` and a `vigil retention run` beside it (or two servers on one PostgreSQL) share one index; two
// executors at once would each complete the other's deletions and sign two certificates for one run (R17).
// Frozen: never edit a shipped migration; add a new one.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('retention_lease')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_ms', 'bigint', (c) => c.notNull())
    .execute();
  // The one row exists from the start, so taking the lease is a single conditional UPDATE (no insert race).
  await db.insertInto('retention_lease').values({ name: 'executor', holder: '', expires_ms: 0 }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('retention_lease').execute();
}
