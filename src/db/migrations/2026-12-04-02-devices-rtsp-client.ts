// Owner: devices/. Which RTSP client records a camera: null follows the server's `ingest.rtspClient`; 'builtin' or
// 'ffmpeg' overrides it for this camera (a field camera whose RTSP the built-in client does not follow well).
// Frozen: never edit a shipped migration; add a new one.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('cameras')
    .addColumn('rtsp_client', 'text', (c) => c.check(sql`rtsp_client in ('builtin', 'ffmpeg')`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cameras').dropColumn('rtsp_client').execute();
}
