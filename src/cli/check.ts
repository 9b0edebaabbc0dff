// `vigil check --storage`: the storage invariants, read-only (docs/storage.md). `vigil check --compliance`: the
// compliance checker over live data (docs/compliance.md), printing {"findings":[{rule, article, severity, objects,
// penalty, fix, …}]}. Exit 3 when anything is wrong, 0 when clean. Works beside a running server (SQLite WAL).
import type { Command } from 'commander';
import { checkStorage } from '../recording/index.js';
import { withCore, type Act } from './context.js';
import { exitCodes, UsageError } from './output.js';

export function registerCheckCommand(program: Command, act: Act): void {
  program
    .command('check')
    .description('check the system; --storage: index ↔ segment files; --compliance: the law (exit 3 on problems)')
    .option('--storage', 'check the storage invariants')
    .option('--compliance', 'run the compliance checker (R7–R17, R26–R31, D11, D12)')
    .action(act(async (out, opts, o: { storage?: boolean; compliance?: boolean }) => {
      if (o.compliance && o.storage) throw new UsageError('give --storage or --compliance, not both');
      if (o.compliance) {
        return withCore(opts, async (core) => {
          const report = await core.compliance.findings();
          const lines = report.findings.map((f) =>
            `${f.severity.padEnd(8)} ${f.article.padEnd(10)} ${f.rule}  ${f.objects.map((x) => `${x.kind}:${x.id}`).join(' ')}\n` +
            `         ${f.message.zh} / ${f.message.en}\n         整改 fix: ${f.fix.zh} / ${f.fix.en}` + (f.penalty ? `\n         罚则 penalty: ${f.penalty.article} ${f.penalty.summary}` : ''));
          lines.push(report.findings.length ? `${report.findings.length} finding(s)` : 'no findings — compliant for every rule checked');
          for (const u of report.unchecked) lines.push(`not checked: ${u.article} (${u.reason})`);
          out.result(report, lines.join('\n'));
          return report.findings.length ? exitCodes.problems : exitCodes.ok;
        });
      }
      if (!o.storage) throw new UsageError('nothing to check: give --storage or --compliance');
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
