// Owner: devices/. The rest of the installation record (issue 4): the R10 / D11 / S fields on camera_places, the
// R13 signage records (photo as a blob with its SHA-256: no file-system storage) and the privacy masks (R13, D11).
// Frozen: never edit a shipped migration; add a new one.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter.constructor.name.startsWith('Postgres');
  const blob = postgres ? 'bytea' : 'blob';
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  await db.schema.alterTable('camera_places').addColumn('faces_residence', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('camera_places').addColumn('near_classified', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('camera_places').addColumn('consent_ref', 'text').execute();
  await db.schema.alterTable('camera_places').addColumn('angle', 'text').execute();
  // JSON of the optional pre-installation assessment (S), or null.
  await db.schema.alterTable('camera_places').addColumn('assessment', 'text').execute();

  await db.schema
    .createTable('camera_signage')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('camera_id', 'text', (c) => c.notNull().references('cameras.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('installed_ms', 'bigint', (c) => c.notNull())
    .addColumn('photo', blob)
    .addColumn('photo_type', 'text')
    .addColumn('photo_sha256', 'text')
    .addColumn('photo_bytes', 'integer')
    .addColumn('recorded_by', 'text')
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('camera_signage_camera').on('camera_signage').columns(['camera_id', 'installed_ms']).execute();

  await db.schema
    .createTable('camera_masks')
    .addColumn('camera_id', 'text', (c) => c.primaryKey().references('cameras.id').onDelete('cascade'))
    // JSON array of { points: [[x, y], …] (0..1), burnExport, burnRecording }, validated by domain/privacy-masks.ts.
    .addColumn('polygons', 'text', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('camera_masks').execute();
  await db.schema.dropTable('camera_signage').execute();
  for (const column of ['assessment', 'angle', 'consent_ref', 'near_classified', 'faces_residence']) {
    await db.schema.alterTable('camera_places').dropColumn(column).execute();
  }
}
