// `vigil migrate`: brings the index schema to the latest version (`serve` also does it at every start).
import type { Command } from 'commander';
import { databaseConfigOf } from '../app/index.js';
import { migrateToLatest, openDatabase } from '../db/index.js';
import { configFrom, type Act } from './context.js';
import { mkdirSync } from 'node:fs';

export function registerMigrateCommand(program: Command, act: Act): void {
  program
    .command('migrate')
    .description('migrate the index database to the latest schema')
    .action(act(async (out, opts) => {
      const config = configFrom(opts);
      mkdirSync(config.dataDir, { recursive: true, mode: 0o750 });
      const database = openDatabase(databaseConfigOf(config));
      try {
        const result = await migrateToLatest(database.db);
        const applied = result.results?.map((r) => r.migrationName) ?? [];
        out.result(
          { dialect: database.dialect, applied },
          applied.length ? `applied: ${applied.join(', ')}` : `database (${database.dialect}) is already at the latest schema`,
        );
        return 0;
      } finally {
        await database.close();
      }
    }));
}
