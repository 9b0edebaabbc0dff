// Queries on `cameras`, `camera_streams`, `camera_places`, `camera_signage` and `camera_masks`, the tables devices/
// owns (db/tables.ts). No other module queries
// them, and this file queries no other table. It stores what it is given: validation, sealing and redaction are the
// service's; the only secret it handles is the sealed URL, which it never opens.
//
// Transactions: every write that touches more than one row runs in one transaction opened here, so a camera is never
// visible without its main stream. `updateCamera` takes the camera's row lock with its first statement (a no-op
// UPDATE) before reading the streams, so two concurrent updates of one camera run one after the other on PostgreSQL,
// and SQLite starts the write transaction at once instead of failing to upgrade a read lock. Reads are single
// statements (a join), hence consistent without a transaction. Writers take `Db`, not a transaction: they open their
// own, and Kysely cannot nest them; `getCamera` also runs inside `updateCamera`'s transaction.
import type { CameraMaskRow, CameraPlaceRow, CameraRow, CameraSignageRow, CameraStreamRow, Db, NewCameraRow, NewCameraStreamRow, Transaction, Database } from '../db/index.js';
import { isForeignKeyViolation } from '../db/index.js';

/** A camera row with its stream rows, main first, and its installation place if one is recorded. */
export interface CameraRecord {
  camera: CameraRow;
  streams: CameraStreamRow[];
  place?: CameraPlaceRow;
  /** The privacy masks (R13, D11), if any were ever set. */
  masks?: CameraMaskRow;
}

export type CameraPlaceRowShape = CameraPlaceRow;

/** The place columns a change sets (absent keys are kept, null clears). */
export type PlaceChange = Partial<Omit<CameraPlaceRow, 'camera_id' | 'updated_ms'>>;

/** A change to one stream of a camera, applied by `updateCamera`. */
export interface StreamChange {
  /** A new URL: its redacted form, and a sealer called with the stream's id (AAD, see credentials.ts). */
  url?: { redacted: string; seal(streamId: string): string };
  record?: boolean;
  /** The id to give the stream if the camera has none of this kind yet (then `url` is required). */
  newId: string;
}

export interface CameraChanges {
  updatedMs: number;
  name?: string;
  enabled?: boolean;
  /** null: follow the server's default client. */
  rtspClient?: CameraRow['rtsp_client'];
  /** Per kind: a change, or null to remove that stream. Absent kinds are kept. */
  streams?: { main?: StreamChange; sub?: StreamChange | null };
  place?: PlaceChange;
}

export async function insertCamera(db: Db, camera: NewCameraRow, streams: NewCameraStreamRow[], place?: CameraPlaceRow): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('cameras').values(camera).execute();
    if (streams.length > 0) await trx.insertInto('camera_streams').values(streams).execute();
    if (place) await trx.insertInto('camera_places').values(place).execute();
  });
}

async function writePlace(trx: Transaction<Database>, id: string, current: CameraPlaceRow | undefined, change: PlaceChange, updatedMs: number): Promise<void> {
  if (current) {
    await trx.updateTable('camera_places').set({ ...change, updated_ms: updatedMs }).where('camera_id', '=', id).execute();
    return;
  }
  const empty = {
    area_type: null, place_category: null, site: null, position: null, necessity: null, installing_party: null, review: null,
    faces_residence: 0, near_classified: 0, consent_ref: null, angle: null, assessment: null, review_cleared: null,
  };
  await trx.insertInto('camera_places').values({ ...empty, ...change, camera_id: id, updated_ms: updatedMs }).execute();
}

export async function getCamera(db: Db | Transaction<Database>, id: string): Promise<CameraRecord | undefined> {
  const [record] = await selectCameras(db, { id });
  return record;
}

/** All cameras in creation order (UUIDv7 ids break ties), or only the enabled ones. */
export async function listCameras(
  db: Db,
  filter: { enabledOnly?: boolean; limit?: number; offset?: number } = {},
): Promise<CameraRecord[]> {
  return selectCameras(db, { ...filter, enabledOnly: filter.enabledOnly ?? false });
}

export async function countCameras(db: Db): Promise<number> {
  const row = await db.selectFrom('cameras').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Applies the changes `plan` derives from the current state, atomically. Returns the camera as committed, or
 * undefined if there is no such camera. An error thrown by `plan` rolls everything back.
 */
export async function updateCamera(
  db: Db,
  id: string,
  plan: (current: CameraRecord) => CameraChanges | Promise<CameraChanges>,
): Promise<CameraRecord | undefined> {
  return db.transaction().execute(async (trx) => {
    const locked = await trx
      .updateTable('cameras')
      .set((eb) => ({ updated_ms: eb.ref('updated_ms') }))
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(locked.numUpdatedRows) === 0) return undefined;
    const current = await getCamera(trx, id);
    if (!current) return undefined;
    const changes = await plan(current);

    await trx
      .updateTable('cameras')
      .set({
        updated_ms: changes.updatedMs,
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.enabled === undefined ? {} : { enabled: changes.enabled ? 1 : 0 }),
        ...(changes.rtspClient === undefined ? {} : { rtsp_client: changes.rtspClient }),
      })
      .where('id', '=', id)
      .execute();
    if (changes.place && Object.keys(changes.place).length > 0) await writePlace(trx, id, current.place, changes.place, changes.updatedMs);
    for (const kind of ['main', 'sub'] as const) {
      const change = changes.streams?.[kind];
      if (change === undefined) continue;
      const existing = current.streams.find((s) => s.kind === kind);
      if (change === null) {
        await trx.deleteFrom('camera_streams').where('camera_id', '=', id).where('kind', '=', kind).execute();
      } else if (existing) {
        await trx
          .updateTable('camera_streams')
          .set({
            updated_ms: changes.updatedMs,
            ...(change.url ? { url_redacted: change.url.redacted, url_sealed: change.url.seal(existing.id) } : {}),
            ...(change.record === undefined ? {} : { record: change.record ? 1 : 0 }),
          })
          .where('id', '=', existing.id)
          .execute();
      } else {
        if (!change.url) throw new Error(`camera ${id} has no ${kind} stream to change, and no URL was given to add one`);
        await trx
          .insertInto('camera_streams')
          .values({
            id: change.newId,
            camera_id: id,
            kind,
            url_redacted: change.url.redacted,
            url_sealed: change.url.seal(change.newId),
            record: change.record ? 1 : 0,
            created_ms: changes.updatedMs,
            updated_ms: changes.updatedMs,
          })
          .execute();
      }
    }
    return getCamera(trx, id);
  });
}

/** Deletes a camera and its streams. Recordings are not touched: they outlive the camera (R17). */
export async function deleteCamera(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Explicit rather than relying on ON DELETE CASCADE, which SQLite honours only with foreign_keys on.
    await trx.deleteFrom('camera_places').where('camera_id', '=', id).execute();
    await trx.deleteFrom('camera_signage').where('camera_id', '=', id).execute();
    await trx.deleteFrom('camera_masks').where('camera_id', '=', id).execute();
    await trx.deleteFrom('camera_streams').where('camera_id', '=', id).execute();
    const result = await trx.deleteFrom('cameras').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  });
}

async function selectCameras(
  db: Db | Transaction<Database>,
  filter: { id?: string; enabledOnly?: boolean; limit?: number; offset?: number },
): Promise<CameraRecord[]> {
  let query = db
    .selectFrom('cameras')
    .leftJoin('camera_streams', 'camera_streams.camera_id', 'cameras.id')
    .select([
      'cameras.id as camera_id',
      'cameras.name',
      'cameras.enabled',
      'cameras.created_ms',
      'cameras.updated_ms',
      'cameras.rtsp_client',
      'camera_streams.id as stream_id',
      'camera_streams.kind',
      'camera_streams.url_redacted',
      'camera_streams.url_sealed',
      'camera_streams.record',
      'camera_streams.created_ms as stream_created_ms',
      'camera_streams.updated_ms as stream_updated_ms',
    ])
    .orderBy('cameras.created_ms')
    .orderBy('cameras.id')
    .orderBy('camera_streams.kind');
  if (filter.id !== undefined) query = query.where('cameras.id', '=', filter.id);
  if (filter.enabledOnly) query = query.where('cameras.enabled', '=', 1);
  if (filter.limit !== undefined) {
    // Page over cameras, not over joined rows (a camera has one or two stream rows), in the listing's own order.
    const { limit, offset = 0 } = filter;
    query = query.where('cameras.id', 'in', (eb) =>
      eb.selectFrom('cameras as page').select('page.id').orderBy('page.created_ms').orderBy('page.id').limit(limit).offset(offset),
    );
  }

  const records: CameraRecord[] = [];
  for (const row of await query.execute()) {
    let record = records[records.length - 1];
    if (record?.camera.id !== row.camera_id) {
      record = {
        camera: {
          id: row.camera_id,
          name: row.name,
          enabled: row.enabled,
          created_ms: row.created_ms,
          updated_ms: row.updated_ms,
          rtsp_client: row.rtsp_client,
        },
        streams: [],
      };
      records.push(record);
    }
    if (row.stream_id !== null && row.kind !== null) {
      record.streams.push({
        id: row.stream_id,
        camera_id: row.camera_id,
        kind: row.kind,
        url_redacted: row.url_redacted ?? '',
        url_sealed: row.url_sealed ?? '',
        record: row.record ?? 0,
        created_ms: row.stream_created_ms ?? row.created_ms,
        updated_ms: row.stream_updated_ms ?? row.updated_ms,
      });
    }
  }
  if (records.length > 0) {
    const places = await db.selectFrom('camera_places').selectAll().where('camera_id', 'in', records.map((r) => r.camera.id)).execute();
    const byCamera = new Map(places.map((p) => [p.camera_id, p]));
    const masks = await db.selectFrom('camera_masks').selectAll().where('camera_id', 'in', records.map((r) => r.camera.id)).execute();
    const masksOf = new Map(masks.map((m) => [m.camera_id, m]));
    for (const record of records) {
      const place = byCamera.get(record.camera.id);
      if (place) record.place = place;
      const m = masksOf.get(record.camera.id);
      if (m) record.masks = m;
    }
  }
  return records;
}

/**
 * Replaces a camera's masks with what `plan` derives from the camera as it is now (it may refuse by throwing, which
 * rolls back), under the camera's row lock. Returns the camera as committed, or undefined if there is none.
 */
export async function replaceMasks(
  db: Db,
  id: string,
  plan: (current: CameraRecord) => { polygons: string; updatedMs: number },
): Promise<CameraRecord | undefined> {
  return db.transaction().execute(async (trx) => {
    const locked = await trx.updateTable('cameras').set((eb) => ({ updated_ms: eb.ref('updated_ms') })).where('id', '=', id).executeTakeFirst();
    if (Number(locked.numUpdatedRows) === 0) return undefined;
    const current = await getCamera(trx, id);
    if (!current) return undefined;
    const { polygons, updatedMs } = plan(current);
    if (current.masks) {
      await trx.updateTable('camera_masks').set({ polygons, updated_ms: updatedMs }).where('camera_id', '=', id).execute();
    } else {
      await trx.insertInto('camera_masks').values({ camera_id: id, polygons, updated_ms: updatedMs }).execute();
    }
    return getCamera(trx, id);
  });
}

/** A signage row without the photo's bytes. */
export type SignageMeta = Omit<CameraSignageRow, 'photo'>;
const SIGNAGE_META = [
  'id', 'camera_id', 'text', 'installed_ms', 'photo_type', 'photo_sha256', 'photo_bytes', 'recorded_by', 'created_ms', 'updated_ms',
] as const;

/**
 * Inserts a signage row; false when the camera does not exist. The foreign key decides, not an earlier read: a camera
 * removed between a read and the insert (PostgreSQL, read committed) failed the key as a 500 instead of a 404.
 */
export async function insertSignage(db: Db, row: CameraSignageRow): Promise<boolean> {
  try {
    await db.insertInto('camera_signage').values(row).execute();
    return true;
  } catch (err) {
    if (isForeignKeyViolation(err)) return false;
    throw err;
  }
}

/** Signage of one camera, or of every camera, oldest sign first; never the photo bytes. */
export async function listSignage(db: Db, cameraId?: string): Promise<SignageMeta[]> {
  let query = db.selectFrom('camera_signage').select(SIGNAGE_META).orderBy('camera_id').orderBy('installed_ms').orderBy('id');
  if (cameraId !== undefined) query = query.where('camera_id', '=', cameraId);
  return query.execute();
}

export async function getSignagePhoto(db: Db, cameraId: string, id: string): Promise<Pick<CameraSignageRow, 'photo' | 'photo_type' | 'photo_sha256'> | undefined> {
  return db.selectFrom('camera_signage').select(['photo', 'photo_type', 'photo_sha256']).where('camera_id', '=', cameraId).where('id', '=', id).executeTakeFirst();
}

export async function setSignagePhoto(
  db: Db,
  cameraId: string,
  id: string,
  photo: { bytes: Buffer; type: string; sha256: string },
  updatedMs: number,
): Promise<SignageMeta | undefined> {
  const result = await db
    .updateTable('camera_signage')
    .set({ photo: photo.bytes, photo_type: photo.type, photo_sha256: photo.sha256, photo_bytes: photo.bytes.length, updated_ms: updatedMs })
    .where('camera_id', '=', cameraId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return undefined;
  return db.selectFrom('camera_signage').select(SIGNAGE_META).where('id', '=', id).executeTakeFirst();
}

export async function deleteSignage(db: Db, cameraId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('camera_signage').where('camera_id', '=', cameraId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
