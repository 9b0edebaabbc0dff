// Owner: storage/. Wrapped per-segment data keys for encryption at rest (architecture §7; S, R15).
// Frozen: never edit; add a new migration.
// - id: the data key id (UUIDv7), also written in the segment file's header.
// - rel: the segment file's path in the store (its identity; one key per file).
// - wrapped: nonce · AES-256-GCM(master key, data key) · tag, AAD = key id and rel (docs/encryption.md).
// - master_key_id: fingerprint of the master key that wrapped it (rotation rewraps, `vigil key rotate`).
// Deleting a row is crypto-shredding: the file can no longer be decrypted by anyone.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter.constructor.name.startsWith('Postgres');
  const blob = postgres ? 'bytea' : 'blob';
  await db.schema
    .createTable('segment_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('rel', 'text', (c) => c.notNull().unique())
    .addColumn('wrapped', blob, (c) => c.notNull())
    .addColumn('master_key_id', 'text', (c) => c.notNull())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('segment_keys_master').on('segment_keys').columns(['master_key_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('segment_keys').execute();
}
