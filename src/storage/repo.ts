// Queries on `segment_keys` — the wrapped data key of every encrypted segment file (architecture §7). Owned by
// storage/; no other module touches this table.
import { sql } from 'kysely';
import type { Db, SegmentKeyRow } from '../db/index.js';

export class SegmentKeyRepo {
  private secureDeleteSet = false;

  constructor(private readonly db: Db) {}

  private get sqlite(): boolean {
    return !this.db.getExecutor().adapter.constructor.name.startsWith('Postgres');
  }

  /**
   * Inserts a key row. Called before the segment file is created, so a file never exists without its key. On SQLite
   * (WAL, synchronous=NORMAL) a passive checkpoint follows, which fsyncs the WAL: a power cut right after must not
   * lose the key of a file that is already on disk (the file would be unreadable; docs/encryption.md).
   */
  async insert(row: SegmentKeyRow): Promise<void> {
    await this.db.insertInto('segment_keys').values(row).execute();
    if (this.sqlite) await sql`PRAGMA wal_checkpoint(PASSIVE)`.execute(this.db);
  }

  async byRel(rel: string): Promise<SegmentKeyRow | null> {
    return (await this.db.selectFrom('segment_keys').selectAll().where('rel', '=', rel).executeTakeFirst()) ?? null;
  }

  /**
   * Crypto-shredding: removes the wrapped key. On SQLite `secure_delete` is turned on for the connection first so the
   * freed page is zeroed rather than left in the file (the WAL keeps the old page until its next checkpoint, which
   * this also runs). Returns whether a row was there.
   */
  async delete(rel: string): Promise<boolean> {
    if (this.sqlite && !this.secureDeleteSet) {
      await sql`PRAGMA secure_delete = ON`.execute(this.db);
      this.secureDeleteSet = true;
    }
    const r = await this.db.deleteFrom('segment_keys').where('rel', '=', rel).executeTakeFirst();
    if (this.sqlite) await sql`PRAGMA wal_checkpoint(PASSIVE)`.execute(this.db);
    return Number(r.numDeletedRows) > 0;
  }

  /**
   * After a batch of shreddings: no copy of a deleted wrapped key may linger in the database's files. SQLite: a
   * TRUNCATE checkpoint copies the (secure_delete-zeroed) pages into the main file and empties the WAL, where the old
   * pages with the keys still were; it cannot finish while another connection reads an older snapshot, and then
   * reports `busy` (the next purge or SQLite's own checkpoints finish it). PostgreSQL: VACUUM removes the dead tuples
   * from the table's pages. Returns whether the purge completed.
   */
  async purgeDeleted(): Promise<boolean> {
    if (this.sqlite) {
      const r = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(this.db);
      return Number(r.rows[0]?.busy ?? 0) === 0;
    }
    await sql`VACUUM segment_keys`.execute(this.db);
    return true;
  }

  /** Up to `limit` rows not wrapped by `masterKeyId`, in id order (rotation works through them in batches). */
  async notWrappedBy(masterKeyId: string, limit: number): Promise<SegmentKeyRow[]> {
    return this.db.selectFrom('segment_keys').selectAll().where('master_key_id', '!=', masterKeyId).orderBy('id').limit(limit).execute();
  }

  /** Replaces wrapped keys in one transaction: a batch is rewrapped entirely or not at all. */
  async rewrap(rows: readonly { id: string; wrapped: Buffer; master_key_id: string }[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const r of rows) {
        await trx.updateTable('segment_keys').set({ wrapped: r.wrapped, master_key_id: r.master_key_id }).where('id', '=', r.id).execute();
      }
    });
    if (this.sqlite) await sql`PRAGMA wal_checkpoint(PASSIVE)`.execute(this.db);
  }

  async countByMaster(): Promise<{ master_key_id: string; keys: number }[]> {
    const rows = await this.db
      .selectFrom('segment_keys')
      .select(['master_key_id', (eb) => eb.fn.countAll<number>().as('keys')])
      .groupBy('master_key_id')
      .orderBy('master_key_id')
      .execute();
    return rows.map((r) => ({ master_key_id: r.master_key_id, keys: Number(r.keys) }));
  }
}
