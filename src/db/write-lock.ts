// One writer at a time for a hash chain, across processes (the audit registers, the segment chain): a chain's next
// link needs the previous one, read and written in the same transaction with no other writer in between.
import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.js';

/** A named lock: PostgreSQL advisory lock (`key`, or `key` + hash of `subKey` for one lock per stream). */
export interface WriteLock {
  key: number;
  subKey?: string;
}

/**
 * Runs `fn` in one transaction as the only holder of `lock`. PostgreSQL: a transaction-scoped advisory lock.
 * SQLite: `BEGIN IMMEDIATE`, which takes the database's single write lock up front — a deferred transaction that
 * reads the head and then writes could fail with SQLITE_BUSY when another process wrote in between, instead of
 * waiting (busy_timeout).
 */
export async function withWriteLock<T>(db: Kysely<Database>, lock: WriteLock, fn: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.getExecutor().adapter.constructor.name.startsWith('Postgres')) {
    return db.transaction().execute(async (tx) => {
      if (lock.subKey === undefined) await sql`select pg_advisory_xact_lock(${lock.key})`.execute(tx);
      else await sql`select pg_advisory_xact_lock(${lock.key}, hashtext(${lock.subKey}))`.execute(tx);
      return fn(tx);
    });
  }
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}
