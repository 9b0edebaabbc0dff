// `vigil check --storage`: the storage invariants, read-only (docs/storage.md). Exit 3 when anything is wrong.
import type { Command } from 'commander';
import { checkStorage } from '../recording/index.js';
import { withCore, type Act } from './context.js';
import { exitCodes, UsageError } from './output.js';

export function registerCheckCommand(program: Command, act: Act): void {
  program
    .command('check')
    .description('check the system; --storage: index ↔ segment files (exit 3 on mismatches)')
    .option('--storage', 'check the storage invariants')
    .action(act(async (out, opts, o: { storage?: boolean }) => {
      if (!o.storage) throw new UsageError('nothing to check: give --storage');
      return withCore(opts, async (core) => {
        const report = await checkStorage({ repo: core.recordings, store: core.store, dialect: core.database.dialect });
        const lines = [
          `segments checked: ${report.segmentsChecked}`,
          `files checked: ${report.filesChecked} (${report.inProgress} being written)`,
          report.mismatches.length ? `mismatches: ${report.mismatches.length}` : 'mismatches: 0 — storage is consistent',
          ...report.mismatches.map((m) => `  ${m.kind}${m.path ? ` ${m.path}` : ''}: ${m.detail}`),
        ];
        out.result({ storage: report }, lines.join('\n'));
        return report.mismatches.length ? exitCodes.problems : exitCodes.ok;
      });
    }));
}
