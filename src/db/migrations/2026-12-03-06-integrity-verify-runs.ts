// Owner: integrity/. The outcome of each `verify` run made by `vigil serve` (scheduled or asked for in the console),
// so the console can show every camera's integrity status (R15) without re-hashing the store on each page load.
// A summary, not evidence: the evidence is the chain and the checkpoints, which any later verify re-checks.
// Frozen: never edit a shipped migration; add a new one.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter.constructor.name.startsWith('Postgres');
  const table = db.schema.createTable('integrity_verify_runs');
  await (postgres
    ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()))
    .addColumn('started_ms', 'bigint', (c) => c.notNull())
    .addColumn('finished_ms', 'bigint', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('camera_id', 'text')
    .addColumn('ok', 'integer', (c) => c.notNull())
    /** JSON: counts, per-camera problem counts, checkpoint problems, bytes hashed (integrity/runs.ts). */
    .addColumn('summary', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('integrity_verify_runs_finished').on('integrity_verify_runs').column('finished_ms').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('integrity_verify_runs').execute();
}
