// Owner: devices/. Systems (R11, D12–D14): a system groups cameras of the management unit at one location and moves
// through its lifecycle; its archive documents (design, contracts, inspection and acceptance reports, …) are kept
// with their bytes as a DB blob and SHA-256; each transition is kept; each camera belongs to at most one system.
// Frozen: never edit a shipped migration; add a new one.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const blob = db.getExecutor().adapter.constructor.name.startsWith('Postgres') ? 'bytea' : 'blob';
  await db.schema
    .createTable('systems')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('lifecycle', 'text', (c) => c.notNull())
    // When the current state was entered (re-acceptance after a change must be newer, D12).
    .addColumn('state_since_ms', 'bigint', (c) => c.notNull())
    // R14: when the system went into use; null until the first move to in_use.
    .addColumn('in_use_since_ms', 'bigint')
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('system_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('system_id', 'text', (c) => c.notNull().references('systems.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    // JSON array of { name, role } — the firms and technicians involved (D14).
    .addColumn('parties', 'text', (c) => c.notNull())
    // The document's own date, 'YYYY-MM-DD'.
    .addColumn('document_date', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text')
    .addColumn('file_type', 'text')
    .addColumn('file_bytes', blob)
    .addColumn('file_sha256', 'text')
    .addColumn('file_size_bytes', 'integer')
    .addColumn('added_ms', 'bigint', (c) => c.notNull())
    .addColumn('added_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('system_documents_by_system').on('system_documents').columns(['system_id', 'added_ms']).execute();
  await db.schema
    .createTable('system_transitions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('system_id', 'text', (c) => c.notNull().references('systems.id'))
    .addColumn('from_state', 'text', (c) => c.notNull())
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('system_transitions_by_system').on('system_transitions').columns(['system_id', 'at_ms']).execute();
  await db.schema
    .createTable('system_cameras')
    // UNIQUE by being the key: a camera is in at most one system.
    .addColumn('camera_id', 'text', (c) => c.primaryKey().references('cameras.id').onDelete('cascade'))
    .addColumn('system_id', 'text', (c) => c.notNull().references('systems.id'))
    .addColumn('device_type', 'text', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('system_cameras_by_system').on('system_cameras').column('system_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('system_cameras').execute();
  await db.schema.dropTable('system_transitions').execute();
  await db.schema.dropTable('system_documents').execute();
  await db.schema.dropTable('systems').execute();
}
