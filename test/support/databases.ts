// Both dialects for repository tests (conventions §8): a fresh SQLite file in a temp dir, and a fresh PostgreSQL
// database created on the server named by VIGIL_TEST_PG_URL (default: the local test server) and dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest, openDatabase, type OpenDatabase } from '../../src/db/index.js';

export const pgAdminUrl = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase extends OpenDatabase {
  /** For a PostgreSQL database: its URL, so a child process (vigil serve) can open the same one. */
  url?: string;
  /** For SQLite: the file path. */
  path?: string;
}

export const dialects = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof dialects)[number];

/** Creates a migrated, empty database of the dialect. Call `dispose()` when done. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase & { dispose(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-db-'));
    const path = join(dir, 'index.sqlite');
    const open = openDatabase({ dialect: 'sqlite', path });
    await migrateToLatest(open.db);
    return { ...open, path, dispose: async () => { await open.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const name = `vigil_t_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`); // name is generated above, never user input
  } finally {
    await admin.end();
  }
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  const open = openDatabase({ dialect: 'postgres', url: url.toString(), poolSize: 4 });
  await migrateToLatest(open.db);
  return {
    ...open,
    url: url.toString(),
    dispose: async () => {
      await open.close();
      const drop = new pg.Client({ connectionString: pgAdminUrl });
      await drop.connect();
      try {
        // A pool's clients may still be saying goodbye when close() resolves; a forced drop would then kill them
        // mid-goodbye and the driver reports that as an unhandled error. Wait (briefly) until they are gone.
        for (let i = 0; i < 50; i++) {
          const r = await drop.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if ((r.rows[0] as { n: number }).n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await drop.end();
      }
    },
  };
}
