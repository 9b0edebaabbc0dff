// Owner: integrity/ (the chain columns on `segments` are written by recording/repo.ts, the tables below by
// integrity/repo.ts). The segment integrity chain of R15 ("original and complete", architecture §5).
// Frozen: never edit; add a new migration.
// - segments.chain_prev / chain_hash: the per-stream link, written in the same INSERT as the row, so a segment can
//   never be committed without its link (no second table to keep in step after a crash). Nullable: rows recorded
//   before this migration stay unlinked and `vigil verify` reports them as `unchained` (docs/integrity.md).
// - segment_tombstones: the record of a lawful deletion (R17), carrying the deleted segment's link.
// - integrity_checkpoints: Ed25519-signed sets of all chain heads.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter.constructor.name.startsWith('Postgres');
  const blob = postgres ? 'bytea' : 'blob';
  await db.schema.alterTable('segments').addColumn('chain_prev', blob).execute();
  await db.schema.alterTable('segments').addColumn('chain_hash', blob).execute();
  // The chain order is insertion (id) order within a stream: finding the head is one index probe.
  await db.schema.createIndex('segments_stream_id').on('segments').columns(['stream_id', 'id']).execute();

  await db.schema
    .createTable('segment_tombstones')
    .addColumn('segment_id', 'bigint', (c) => c.primaryKey())
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('start_ms', 'bigint', (c) => c.notNull())
    .addColumn('end_ms', 'bigint', (c) => c.notNull())
    .addColumn('sha256', blob, (c) => c.notNull())
    .addColumn('chain_prev', blob, (c) => c.notNull())
    .addColumn('chain_hash', blob, (c) => c.notNull())
    .addColumn('deleted_ms', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('policy', 'text')
    .addColumn('audit_seq', 'bigint')
    .execute();
  await db.schema.createIndex('segment_tombstones_stream').on('segment_tombstones').columns(['stream_id', 'segment_id']).execute();

  const table = db.schema.createTable('integrity_checkpoints');
  await (postgres
    ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()))
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('streams', 'integer', (c) => c.notNull())
    .addColumn('heads', blob, (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('signature', blob, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('integrity_checkpoints').execute();
  await db.schema.dropTable('segment_tombstones').execute();
  await db.schema.dropIndex('segments_stream_id').execute();
  await db.schema.alterTable('segments').dropColumn('chain_hash').execute();
  await db.schema.alterTable('segments').dropColumn('chain_prev').execute();
}
