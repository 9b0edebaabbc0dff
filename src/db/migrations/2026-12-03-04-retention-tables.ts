// Owner: retention/. Retention policies (R17), legal holds with a four-eyes lift (R17, S), and the record of every
// executor run with its deletion certificate (R17, D22(3), R15). Frozen once shipped: add a new migration instead.
// - retention_policies: one row per policy; scope 'camera' | 'group' | 'default' (scope_id null for default).
//   A fresh install gets the default policy of 30 days (the R17 floor), so no camera is ever without a policy.
// - legal_holds: held cameras (JSON array), time range, reason, legal basis, requester, expiry; a lift is requested
//   by one account and approved by another (lift_* columns).
// - retention_runs: one executor run; its signed certificate (JSON) once finished.
// - retention_deletions: the segments a run deletes, written *before* the first file is unlinked, so a crash at any
//   step leaves the intent on record and the next run completes it (architecture §4.4).
import type { Kysely } from 'kysely';

/** The default policy every install starts with: 30 days (R17), deleted once the purpose is served. */
export const DEFAULT_POLICY_ID = '01940000-0000-7000-8000-000000000030';

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter.constructor.name.startsWith('Postgres');
  const blob = postgres ? 'bytea' : 'blob';
  await db.schema
    .createTable('retention_policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('scope_kind', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text')
    .addColumn('retention_days', 'integer', (c) => c.notNull())
    .addColumn('sector', 'text')
    .addColumn('sector_days', 'integer')
    .addColumn('legal_basis', 'text')
    .addColumn('ceiling_days', 'integer')
    .addColumn('delete_after_purpose', 'integer', (c) => c.notNull())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
  // One policy per scope: `set` replaces it. The default scope has scope_id '' to keep the key unique on both dialects.
  await db.schema.createIndex('retention_policies_scope').on('retention_policies').columns(['scope_kind', 'scope_id']).unique().execute();
  await db
    .insertInto('retention_policies')
    .values({
      id: DEFAULT_POLICY_ID, scope_kind: 'default', scope_id: '', retention_days: 30, sector: null, sector_days: null,
      legal_basis: null, ceiling_days: null, delete_after_purpose: 1, created_ms: 0, updated_ms: 0,
    })
    .execute();

  await db.schema
    .createTable('legal_holds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('camera_ids', 'text', (c) => c.notNull())
    .addColumn('from_ms', 'bigint', (c) => c.notNull())
    .addColumn('to_ms', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('legal_basis', 'text', (c) => c.notNull())
    .addColumn('requester', 'text', (c) => c.notNull())
    .addColumn('expires_ms', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('lift_requested_by', 'text')
    .addColumn('lift_requested_ms', 'bigint')
    .addColumn('lift_reason', 'text')
    .addColumn('lift_approved_by', 'text')
    .addColumn('lifted_ms', 'bigint')
    .addColumn('expiry_logged_ms', 'bigint')
    .execute();

  await db.schema
    .createTable('retention_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('started_ms', 'bigint', (c) => c.notNull())
    .addColumn('finished_ms', 'bigint')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('segments', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('alerts', 'text', (c) => c.notNull())
    .addColumn('certificate', 'text')
    .addColumn('key_id', 'text')
    .addColumn('signature', blob)
    .execute();
  await db.schema.createIndex('retention_runs_started').on('retention_runs').columns(['started_ms']).execute();

  await db.schema
    .createTable('retention_deletions')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('segment_id', 'bigint', (c) => c.notNull())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('start_ms', 'bigint', (c) => c.notNull())
    .addColumn('end_ms', 'bigint', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', blob, (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addColumn('audit_seq', 'bigint', (c) => c.notNull())
    // state: 'pending' (intent recorded) → 'deleted' (tombstone written) or 'abandoned' (never started, re-planned).
    .addColumn('deleted_ms', 'bigint')
    .addColumn('state', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('retention_deletions_pk', ['run_id', 'segment_id'])
    .execute();
  await db.schema.createIndex('retention_deletions_state').on('retention_deletions').columns(['state']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('retention_deletions').execute();
  await db.schema.dropTable('retention_runs').execute();
  await db.schema.dropTable('legal_holds').execute();
  await db.schema.dropTable('retention_policies').execute();
}
