// The SQLite database handed to Kysely, with its compiled statements kept by SQL text.
// Owns: statement reuse for one better-sqlite3 connection; must not change what a query returns or does.
//
// Why: Kysely's SQLite driver calls `prepare(sql)` for every query it runs, and compiling costs about as much as
// running a small query (≈ 40 µs against the camera listing here, whose run alone is ≈ 35 µs). Vigil runs the same
// few query shapes over and over (the recorder's ingest plan every few seconds, a segment's rows each minute per
// camera, the access gate and the registers per request), and Kysely builds the same text for the same shape: values
// are bound parameters, never inlined. So each text is compiled once and its statement reused; SQLite re-compiles a
// statement by itself when a migration changes the schema under it.
//
// A statement is one cursor: while an `iterate()` over it is open (`busy`), the same text gets a fresh statement, so
// two interleaved streams of one query never share a cursor. The cache is bounded (least recently used out), since
// text built from `sql.raw` or `sql.lit` can differ per call.
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

export const STATEMENT_CACHE_SIZE = 256;

export class StatementCachingDatabase implements SqliteDatabase {
  readonly #db: SQLite.Database;
  readonly #max: number;
  readonly #statements = new Map<string, SQLite.Statement>();

  constructor(db: SQLite.Database, max = STATEMENT_CACHE_SIZE) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`statement cache size must be a positive integer, got ${max}`);
    this.#db = db;
    this.#max = max;
  }

  prepare(sql: string): SqliteStatement {
    const cached = this.#statements.get(sql);
    if (cached && cached.busy) return this.#db.prepare(sql); // an open iterate() holds that cursor
    this.#statements.delete(sql); // re-inserted last: the Map's order is the recency order
    const statement = cached ?? this.#db.prepare(sql);
    this.#statements.set(sql, statement);
    if (this.#statements.size > this.#max) this.#statements.delete(this.#statements.keys().next().value!);
    return statement;
  }

  /** How many compiled statements are kept (for tests and diagnostics). */
  get size(): number {
    return this.#statements.size;
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}
