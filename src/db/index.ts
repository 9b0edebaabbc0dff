// The index database: one Kysely instance over SQLite (embedded, default, WAL) or PostgreSQL (scale-out).
// Owns connection setup and migrations; each module's repo.ts owns the queries on its own tables.
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationResultSet } from 'kysely';
import pg from 'pg';
import { migrations } from './migrations/index.js';
import { StatementCachingDatabase } from './statement-cache.js';
import type { Database } from './tables.js';

export type * from './tables.js';
export { sql, type Kysely, type Transaction } from 'kysely';
export type Db = Kysely<Database>;
export { withWriteLock, type WriteLock } from './write-lock.js';
export { isForeignKeyViolation, isUniqueViolation } from './constraint-errors.js';

export type DatabaseConfig =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'postgres'; url: string; poolSize?: number };

export interface OpenDatabase {
  db: Db;
  dialect: DatabaseConfig['dialect'];
  close(): Promise<void>;
}

const PG_INT8_OID = 20;

/** Opens the database. Millisecond timestamps are bigint in PostgreSQL; they are parsed to numbers (safe < 2^53). */
export function openDatabase(config: DatabaseConfig): OpenDatabase {
  if (config.dialect === 'sqlite') {
    const sqlite = new SQLite(config.path);
    sqlite.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut may lose the last commits but never corrupts; a lost segment row is
    // re-adopted from its file by startup reconciliation (storage invariant 2).
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new StatementCachingDatabase(sqlite) }) });
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === PG_INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize ?? 10, types });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

export class MigrationError extends Error {
  constructor(readonly migration: string, cause: unknown) {
    super(`database migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Brings the schema to the latest version. Run at every start (architecture §8). */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(failed, result.error);
  }
  return result;
}
