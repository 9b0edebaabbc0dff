// Owner: devices/. Where each camera is installed (issue 4, R7–R9): one row per camera, absent until recorded.
// A separate table rather than columns on `cameras`: the installation record grows (signage, masks, documents) and
// is read by compliance code that does not need streams. Frozen: never edit a shipped migration; add a new one.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('camera_places')
    .addColumn('camera_id', 'text', (c) => c.primaryKey().references('cameras.id').onDelete('cascade'))
    .addColumn('area_type', 'text')
    .addColumn('place_category', 'text')
    .addColumn('site', 'text')
    .addColumn('position', 'text')
    .addColumn('necessity', 'text')
    .addColumn('installing_party', 'text')
    // JSON array of the screening hits ({ term, article }) awaiting human review, or null when clear.
    .addColumn('review', 'text')
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('camera_places').execute();
}
