// Owner: recording/. Runs and segments: the index of every recorded byte. Frozen: never edit; add a new migration.
// Segments keep no foreign key to cameras on purpose: footage outlives the removal of its camera (R17 retention).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const dialect = db.getExecutor().adapter.constructor.name;
  const autoId = (table: ReturnType<Kysely<any>['schema']['createTable']>) =>
    dialect.startsWith('Postgres')
      ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  const blob = dialect.startsWith('Postgres') ? 'bytea' : 'blob';

  await autoId(db.schema.createTable('recording_runs'))
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addColumn('start_ms', 'bigint', (c) => c.notNull())
    .addColumn('end_ms', 'bigint')
    .addColumn('start_cause', 'text', (c) => c.notNull())
    .addColumn('end_cause', 'text')
    .execute();
  await db.schema.createIndex('recording_runs_stream_start').on('recording_runs').columns(['stream_id', 'start_ms']).execute();

  await autoId(db.schema.createTable('segments'))
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('recording_runs.id'))
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('start_ms', 'bigint', (c) => c.notNull())
    .addColumn('end_ms', 'bigint', (c) => c.notNull())
    .addColumn('media_start', 'bigint', (c) => c.notNull())
    .addColumn('timescale', 'integer', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('init_size_bytes', 'integer', (c) => c.notNull())
    .addColumn('frames', 'integer', (c) => c.notNull())
    .addColumn('keyframes', 'integer', (c) => c.notNull())
    .addColumn('codec', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('sha256', blob, (c) => c.notNull())
    .addColumn('fragment_index', blob, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('segments_run_seq', ['run_id', 'seq'])
    .execute();
  // Seeking: (camera, time) and (stream, time) lookups use these, never a directory scan.
  await db.schema.createIndex('segments_stream_start').on('segments').columns(['stream_id', 'start_ms']).execute();
  await db.schema.createIndex('segments_camera_start').on('segments').columns(['camera_id', 'start_ms']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('segments').execute();
  await db.schema.dropTable('recording_runs').execute();
}
