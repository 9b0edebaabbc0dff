// Queries on `systems`, `system_documents`, `system_transitions` and `system_cameras`, the system tables devices/
// owns (db/tables.ts). It stores what it is given: validation and the lifecycle rules are systems.ts's and domain/'s.
// It reads `cameras` (same module) only to check that members exist.
//
// Transactions: a transition, a new document and a membership change each run in one transaction that first takes
// the system's row lock (a no-op UPDATE), so they run one after the other on one system (PostgreSQL) and SQLite starts
// its write transaction at once. A retired system is final: every write checks the lifecycle where it writes, not
// from an earlier read. Membership changes of different systems also exclude each other (MEMBERSHIP_LOCK): each
// checks that its cameras are in no other system, and two at once would both pass and one fail on the key (a 500).
// Reads are single statements.
import { withWriteLock, type Db, type SystemCameraRow, type SystemDocumentRow, type SystemRow, type SystemTransitionRow, type Transaction, type Database } from '../db/index.js';

const MEMBERSHIP_LOCK = { key: 0x5649_4733 }; // 'VIG3'

/** Takes the system's row lock for the rest of the transaction; false if there is no such system. */
async function lockSystem(trx: Db | Transaction<Database>, id: string): Promise<boolean> {
  const locked = await trx.updateTable('systems').set((eb) => ({ updated_ms: eb.ref('updated_ms') })).where('id', '=', id).executeTakeFirst();
  return Number(locked.numUpdatedRows) > 0;
}

export type DocumentMeta = Omit<SystemDocumentRow, 'file_bytes'>;

const DOCUMENT_META = [
  'id', 'system_id', 'kind', 'title', 'parties', 'document_date', 'file_name', 'file_type', 'file_sha256', 'file_size_bytes', 'added_ms', 'added_by',
] as const;

export async function insertSystem(db: Db, row: SystemRow): Promise<void> {
  await db.insertInto('systems').values(row).execute();
}

export async function getSystem(db: Db | Transaction<Database>, id: string): Promise<SystemRow | undefined> {
  return db.selectFrom('systems').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listSystems(db: Db): Promise<SystemRow[]> {
  return db.selectFrom('systems').selectAll().orderBy('created_ms').orderBy('id').execute();
}

/** Changes name or location unless the system is retired (checked in the same statement). */
export async function updateSystem(db: Db, id: string, change: { name?: string; location?: string; updated_ms: number }): Promise<'updated' | 'retired' | 'not_found'> {
  const result = await db.updateTable('systems').set(change).where('id', '=', id).where('lifecycle', '!=', 'retired').executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) return 'updated';
  return (await getSystem(db, id)) ? 'retired' : 'not_found';
}

/** Adds a document under the system's row lock, unless the system is retired (a retirement waits for it, or refuses it). */
export async function insertDocument(db: Db, row: SystemDocumentRow): Promise<'inserted' | 'retired' | 'not_found'> {
  return db.transaction().execute(async (trx) => {
    if (!(await lockSystem(trx, row.system_id))) return 'not_found' as const;
    if ((await getSystem(trx, row.system_id))!.lifecycle === 'retired') return 'retired' as const;
    await trx.insertInto('system_documents').values(row).execute();
    return 'inserted' as const;
  });
}

export async function listDocuments(db: Db | Transaction<Database>, systemId: string): Promise<DocumentMeta[]> {
  return db.selectFrom('system_documents').select(DOCUMENT_META).where('system_id', '=', systemId).orderBy('added_ms').orderBy('id').execute();
}

export async function getDocumentFile(db: Db, systemId: string, documentId: string): Promise<SystemDocumentRow | undefined> {
  return db.selectFrom('system_documents').selectAll().where('system_id', '=', systemId).where('id', '=', documentId).executeTakeFirst();
}

export async function listTransitions(db: Db, systemId: string): Promise<SystemTransitionRow[]> {
  return db.selectFrom('system_transitions').selectAll().where('system_id', '=', systemId).orderBy('at_ms').orderBy('id').execute();
}

/**
 * Applies a lifecycle move atomically: `plan` sees the locked system and its documents and returns the new row
 * values and the transition to record (or throws to refuse). Returns undefined if there is no such system.
 */
export async function transitionSystem(
  db: Db,
  id: string,
  plan: (system: SystemRow, documents: DocumentMeta[]) => { system: Partial<SystemRow>; transition: SystemTransitionRow },
): Promise<SystemRow | undefined> {
  return db.transaction().execute(async (trx) => {
    if (!(await lockSystem(trx, id))) return undefined;
    const system = (await getSystem(trx, id))!;
    const change = plan(system, await listDocuments(trx, id));
    await trx.updateTable('systems').set(change.system).where('id', '=', id).execute();
    await trx.insertInto('system_transitions').values(change.transition).execute();
    return getSystem(trx, id);
  });
}

export interface MembershipConflict {
  missing: string[];
  elsewhere: { cameraId: string; systemId: string }[];
}

/**
 * Replaces the cameras of a system. Refuses (returns the conflict, writes nothing) when a camera does not exist or
 * belongs to another system. `check` runs on the locked system first and may throw.
 */
export async function setSystemCameras(
  db: Db,
  systemId: string,
  rows: SystemCameraRow[],
  check: (system: SystemRow) => void,
): Promise<MembershipConflict | 'not_found' | { rows: SystemCameraRow[]; fromRetired: { cameraId: string; systemId: string }[] }> {
  return withWriteLock(db, MEMBERSHIP_LOCK, async (trx) => {
    if (!(await lockSystem(trx, systemId))) return 'not_found' as const;
    check((await getSystem(trx, systemId))!);
    const ids = rows.map((r) => r.camera_id);
    let fromRetired: { cameraId: string; systemId: string }[] = [];
    if (ids.length > 0) {
      const existing = new Set((await trx.selectFrom('cameras').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
      const members = await trx
        .selectFrom('system_cameras')
        .innerJoin('systems', 'systems.id', 'system_cameras.system_id')
        .select(['system_cameras.camera_id', 'system_cameras.system_id', 'systems.lifecycle'])
        .where('system_cameras.camera_id', 'in', ids)
        .where('system_cameras.system_id', '!=', systemId)
        .execute();
      // A retired system is final and records nothing: its cameras may be taken into a new system (the retired
      // system's membership at retirement stays in the system log).
      const elsewhere = members.filter((m) => m.lifecycle !== 'retired').map((r) => ({ cameraId: r.camera_id, systemId: r.system_id }));
      fromRetired = members.filter((m) => m.lifecycle === 'retired').map((r) => ({ cameraId: r.camera_id, systemId: r.system_id }));
      const missing = ids.filter((id) => !existing.has(id));
      if (missing.length || elsewhere.length) return { missing, elsewhere };
      if (fromRetired.length > 0) await trx.deleteFrom('system_cameras').where('camera_id', 'in', fromRetired.map((m) => m.cameraId)).execute();
    }
    await trx.deleteFrom('system_cameras').where('system_id', '=', systemId).execute();
    if (rows.length > 0) await trx.insertInto('system_cameras').values(rows).execute();
    return { rows: await trx.selectFrom('system_cameras').selectAll().where('system_id', '=', systemId).orderBy('camera_id').execute(), fromRetired };
  });
}

export async function listMembers(db: Db, systemId?: string): Promise<SystemCameraRow[]> {
  let query = db.selectFrom('system_cameras').selectAll().orderBy('system_id').orderBy('camera_id');
  if (systemId !== undefined) query = query.where('system_id', '=', systemId);
  return query.execute();
}

/** Each member camera with its system's lifecycle, for D12 (one join). */
export async function membership(db: Db, cameraIds?: string[]): Promise<{ camera_id: string; system_id: string; device_type: string; lifecycle: string }[]> {
  let query = db
    .selectFrom('system_cameras')
    .innerJoin('systems', 'systems.id', 'system_cameras.system_id')
    .select(['system_cameras.camera_id', 'system_cameras.system_id', 'system_cameras.device_type', 'systems.lifecycle']);
  if (cameraIds !== undefined) {
    if (cameraIds.length === 0) return [];
    query = query.where('system_cameras.camera_id', 'in', cameraIds);
  }
  return query.execute();
}
