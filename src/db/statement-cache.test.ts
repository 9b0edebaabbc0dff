import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { StatementCachingDatabase } from './statement-cache.js';

interface Tables {
  t: { id: number; name: string };
}

/** A real SQLite database whose compiles are counted. */
function counted(max?: number) {
  const sqlite = new SQLite(':memory:');
  const compiled: string[] = [];
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((text: string) => {
    compiled.push(text);
    return prepare(text);
  }) as typeof sqlite.prepare;
  const cache = new StatementCachingDatabase(sqlite, max);
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: cache }) });
  return { db, cache, compiled };
}

describe('StatementCachingDatabase', () => {
  let close: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await close?.();
    close = null;
  });

  async function seeded(max?: number) {
    const c = counted(max);
    close = () => c.db.destroy();
    await c.db.schema.createTable('t').addColumn('id', 'integer', (col) => col.primaryKey()).addColumn('name', 'text').execute();
    await c.db.insertInto('t').values([{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }]).execute();
    c.compiled.length = 0;
    return c;
  }

  it('compiles a query shape once and binds new values on each run', async () => {
    const { db, compiled } = await seeded();
    const byId = (id: number) => db.selectFrom('t').select('name').where('id', '=', id).executeTakeFirst();
    expect(await byId(1)).toEqual({ name: 'a' });
    expect(await byId(3)).toEqual({ name: 'c' });
    expect(await byId(2)).toEqual({ name: 'b' });
    expect(compiled).toHaveLength(1);
    await db.updateTable('t').set({ name: 'z' }).where('id', '=', 2).execute();
    await db.updateTable('t').set({ name: 'y' }).where('id', '=', 3).execute();
    expect(await byId(2)).toEqual({ name: 'z' });
    expect(compiled).toHaveLength(2); // the select once, the update once
  });

  it('gives a second use of a statement whose cursor is open a fresh statement', async () => {
    // Kysely's one SQLite connection never interleaves two queries; a caller of the database itself may.
    const { cache, compiled } = await seeded();
    const text = 'select id from t order by id';
    const outer = cache.prepare(text).iterate([]);
    const seen: string[] = [];
    for (let r = outer.next(); !r.done; r = outer.next()) {
      const inner = cache.prepare(text).all([]) as { id: number }[];
      seen.push(`${(r.value as { id: number }).id}:${inner.map((x) => x.id).join(',')}`);
    }
    expect(seen).toEqual(['1:1,2,3', '2:1,2,3', '3:1,2,3']);
    expect(compiled).toHaveLength(4); // the cached one, then a fresh one for each use while it was busy
    cache.prepare(text).all([]);
    expect(compiled).toHaveLength(4); // done iterating: the cached one again
  });

  it('keeps at most its bound, dropping the least recently used', async () => {
    const { db, cache, compiled } = await seeded(2);
    const q1 = () => db.selectFrom('t').select('id').where('id', '=', 1).execute();
    const q2 = () => db.selectFrom('t').select('name').where('id', '=', 1).execute();
    const q3 = () => db.selectFrom('t').select(['id', 'name']).where('id', '=', 1).execute();
    await q1();
    await q2();
    await q1(); // q1 is now the most recent: q3 pushes out q2
    await q3();
    expect(cache.size).toBe(2);
    expect(compiled).toHaveLength(3);
    await q1();
    expect(compiled).toHaveLength(3);
    await q2();
    expect(compiled).toHaveLength(4);
  });

  it('sees a schema change under a kept statement', async () => {
    const { db } = await seeded();
    const all = () => sql<Record<string, unknown>>`select * from t where id = ${1}`.execute(db);
    expect((await all()).rows).toEqual([{ id: 1, name: 'a' }]);
    await sql`alter table t add column place text default 'gate'`.execute(db);
    expect((await all()).rows).toEqual([{ id: 1, name: 'a', place: 'gate' }]);
  });

  it('refuses a bound that is not a positive integer', () => {
    const sqlite = new SQLite(':memory:');
    try {
      expect(() => new StatementCachingDatabase(sqlite, 0)).toThrow(/positive integer, got 0/);
    } finally {
      sqlite.close();
    }
  });
});
