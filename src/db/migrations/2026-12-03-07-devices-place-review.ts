// Owner: devices/. A person's review of a camera's R8.1 screening hits (issue 4): who cleared them, when, why, and
// the texts they read — valid only while those texts stay as reviewed (a change re-opens the review).
// Frozen: never edit a shipped migration; add a new one.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  /** JSON `{ texts, terms, note, by: { username, name, unit }, atMs }` or null (devices/place.ts). */
  await db.schema.alterTable('camera_places').addColumn('review_cleared', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('camera_places').dropColumn('review_cleared').execute();
}
