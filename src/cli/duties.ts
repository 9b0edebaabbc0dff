// `vigil duty due` (reminders: tasks overdue or due within N days, D17 / R8.2; exit 3 when any is overdue) and
// `vigil report self-assessment` (the periodic self-assessment report, D17, as JSON or HTML; --issue stores it).
// `vigil duty task …` and `vigil duty log …` are in duty-records.ts. Thin wrappers over compliance/'s DutiesService.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DUE_WITHIN_MAX_DAYS, periodOf, renderSelfAssessmentHtml, type DutiesService } from '../compliance/index.js';
import { withCore, type Act, type CommonOptions } from './context.js';
import { registerDutyRecordCommands } from './duty-records.js';
import { exitCodes, UsageError } from './output.js';

export type WithDuties = <T>(opts: CommonOptions, fn: (duties: DutiesService) => Promise<T>) => Promise<T>;

const coreDuties: WithDuties = (opts, fn) => withCore(opts, (core) => fn(core.duties));

export function registerDutyCommands(program: Command, act: Act, withDuties: WithDuties = coreDuties): void {
  const duty = program.command('duty').description('operations duties (D17, R8.2): duty tasks, their reminders and the duty log');
  duty
    .command('due')
    .description('tasks overdue or due within --within days (CST days; exit 3 when any is overdue)')
    .option('--within <days>', 'days ahead, 0 = today', '7')
    .action(act(async (out, opts, o: { within: string }) => {
      const within = Number(o.within);
      if (!Number.isInteger(within) || within < 0 || within > DUE_WITHIN_MAX_DAYS) throw new UsageError(`--within must be 0–${DUE_WITHIN_MAX_DAYS}`);
      return withDuties(opts, async (duties) => {
        const tasks = await duties.tasks.due(within);
        const overdue = tasks.filter((t) => t.status.state === 'overdue');
        const lines = tasks.length === 0
          ? [`no duty task overdue or due within ${within} days`]
          : tasks.map((t) => `${t.status.state === 'overdue' ? 'OVERDUE ' : 'due     '} ${t.nextDueDay}  ${t.kind.padEnd(20)} ${t.article.padEnd(5)} ${t.title}  (${t.id})`);
        out.result({ within, overdue: overdue.length, tasks }, lines.join('\n'));
        return overdue.length > 0 ? exitCodes.problems : exitCodes.ok;
      });
    }));
  registerDutyRecordCommands(duty, act);

  const report = program.command('report').description('reports generated from live data');
  report
    .command('self-assessment')
    .description('the periodic self-assessment report (D17) for --from … --to (CST days inclusive, or instants)')
    .requiredOption('--from <day>', 'first CST day YYYY-MM-DD (or ms / ISO-8601 instant)')
    .requiredOption('--to <day>', 'last CST day YYYY-MM-DD, inclusive (or an exclusive ms / ISO-8601 instant)')
    .option('--format <format>', 'json or html', 'json')
    .option('--issue', 'store the report as issued (append-only) and record it in the system log')
    .option('--out <file>', 'write the report to this file instead of stdout')
    .action(act(async (out, opts, o: { from: string; to: string; format: string; issue?: boolean; out?: string }) => {
      if (o.format !== 'json' && o.format !== 'html') throw new UsageError('--format must be json or html');
      let period: { fromMs: number; toMs: number };
      try {
        period = periodOf(o.from, o.to);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      return withDuties(opts, async (duties) => {
        const issued = o.issue ? await duties.selfAssessments.issue(null, period.fromMs, period.toMs) : null;
        const body = issued?.report ?? await duties.selfAssessments.generate(period.fromMs, period.toMs);
        const text = o.format === 'html'
          ? renderSelfAssessmentHtml(body, issued ?? undefined)
          : JSON.stringify(issued ?? body, null, 2);
        if (o.out) {
          await writeFile(o.out, text, { mode: 0o640 });
          out.result({ file: o.out, id: issued?.id ?? null, findings: body.findings.length }, `wrote ${o.out}${issued ? ` (issued ${issued.id})` : ''}`);
        } else if (o.format === 'html' || !out.json) {
          process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
        } else {
          out.result(issued ?? body, text);
        }
        return exitCodes.ok;
      });
    }));
}
