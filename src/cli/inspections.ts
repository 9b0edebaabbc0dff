// `vigil inspection list|show` (police inspections with their findings and rectification deadlines, R24) and
// `vigil complaint list` (public reports 举报 and their tracking state, R24): read-only from the command line — an
// inspection is recorded, rectified and closed by identified people in the console (http/routes/inspections.ts),
// reports are handled there too (complaints.ts). Thin wrappers over DutiesService.inspections and ComplaintService.
// Privacy (PIPL): a reporter's contact is personal information that the API gives to signed-in handlers only; the
// command line never prints it (not even with --json) — a listing says only whether one was given (`withContact`,
// as the system log does).
import type { Command } from 'commander';
import type { Inspection, InspectionFinding } from '../compliance/index.js';
import { periodOf } from '../compliance/index.js';
import { complaintReplyDueDay } from '../domain/index.js';
import type { Complaint } from '../requests/index.js';
import { withCore, type Act } from './context.js';
import { cstTime, wholeNumber } from './duty-records.js';
import { exitCodes, UsageError } from './output.js';

const PAGE_MAX = 1000;
const COMPLAINT_STATUSES = ['received', 'assigned', 'answered', 'closed'] as const;

/** What the command line shows of a report: everything but the reporter's contact. */
export type ComplaintListing = Omit<Complaint, 'contact' | 'responses'> & { withContact: boolean; replyDueDay: string };

export function complaintListing(c: Complaint): ComplaintListing {
  const { contact, responses: _responses, ...rest } = c;
  return { ...rest, withContact: contact !== null, replyDueDay: complaintReplyDueDay(c.receivedMs) };
}

/** Report texts are stored HTML-escaped; a terminal shows them as written. */
function plain(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

function page(o: { limit: string; offset: string }): { limit: number; offset: number } {
  const limit = wholeNumber(o.limit, '--limit', PAGE_MAX);
  if (limit < 1) throw new UsageError(`--limit must be 1–${PAGE_MAX}`);
  return { limit, offset: wholeNumber(o.offset, '--offset') };
}

function pageOptions(cmd: Command): Command {
  return cmd.option('--limit <n>', `at most this many (1–${PAGE_MAX})`, '100').option('--offset <n>', 'skip this many', '0');
}

function findingCounts(i: Inspection): string {
  const open = i.findings.filter((f) => f.state === 'open').length;
  const overdue = i.findings.filter((f) => f.overdue).length;
  return `${i.findings.length} finding(s), ${open} open${overdue ? `, ${overdue} OVERDUE` : ''}`;
}

function describeFinding(f: InspectionFinding): string {
  const lines = [`  #${f.seq} ${f.article.padEnd(8)} ${f.state}${f.overdue ? ' OVERDUE' : ''}  rectify by ${f.deadlineDay}: ${f.description}  (${f.id})`];
  if (f.rectifiedMs !== null) lines.push(`      rectified ${cstTime(f.rectifiedMs)} by ${f.rectifiedBy ?? '-'}: ${f.rectification ?? ''}`);
  if (f.closedMs !== null) lines.push(`      closed ${cstTime(f.closedMs)} by ${f.closedBy ?? '-'}`);
  return lines.join('\n');
}

function describeInspection(i: Inspection): string {
  return [
    `${i.id}  ${cstTime(i.inspectedMs)}  ${i.inspectorUnit} (${i.inspectors.join('、')})  ${findingCounts(i)}`,
    `  scope: ${i.scope}`,
    ...(i.summary ? [`  summary: ${i.summary}`] : []),
    ...i.findings.map(describeFinding),
  ].join('\n');
}

function describeComplaint(c: ComplaintListing): string {
  const state = `${c.status}${c.replyOverdue ? ' REPLY OVERDUE' : ''}`;
  const what = plain(c.what);
  return `${c.id}  ${state.padEnd(22)} received ${cstTime(c.receivedMs)}  reply due ${c.replyDueDay}  ${c.assignee ? `assigned to ${plain(c.assignee)}` : 'unassigned'}\n` +
    `    ${plain(c.where)} (${plain(c.when)}): ${what.length > 120 ? `${what.slice(0, 120)}…` : what}`;
}

export function registerInspectionCommands(program: Command, act: Act): void {
  const inspection = program.command('inspection').description('police inspections and their findings (R24), read-only / 监督检查');

  pageOptions(inspection.command('list').description('inspections, newest first, with their findings')
    .option('--from <day>', 'first CST day YYYY-MM-DD (or ms / ISO-8601 instant)')
    .option('--to <day>', 'last CST day YYYY-MM-DD, inclusive (or an exclusive ms / ISO-8601 instant)'))
    .action(act(async (out, opts, o: { from?: string; to?: string; limit: string; offset: string }) => {
      const p = page(o);
      let period: { fromMs: number; toMs: number };
      try {
        period = periodOf(o.from ?? '0', o.to ?? String(8.64e15));
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      return withCore(opts, async (core) => {
        const { items, total } = await core.duties.inspections.list(period, p);
        out.result({ total, inspections: items }, items.length ? items.map(describeInspection).join('\n') : 'no inspections recorded');
        return exitCodes.ok;
      });
    }));

  inspection.command('show <id>').description('one inspection with its findings, rectification deadlines and states')
    .action(act(async (out, opts, id: string, _o: unknown) => withCore(opts, async (core) => {
      const i = await core.duties.inspections.get(id);
      out.result({ inspection: i }, describeInspection(i));
      return exitCodes.ok;
    })));

  const complaint = program.command('complaint').description('public reports (举报, R24) and their tracking state, read-only; never the reporter’s contact');

  pageOptions(complaint.command('list').description('reports, newest first (handled in the console)')
    .option('--status <status>', COMPLAINT_STATUSES.join(' | ')))
    .action(act(async (out, opts, o: { status?: string; limit: string; offset: string }) => {
      if (o.status !== undefined && !(COMPLAINT_STATUSES as readonly string[]).includes(o.status)) {
        throw new UsageError(`--status must be one of ${COMPLAINT_STATUSES.join(', ')}`);
      }
      const p = page(o);
      return withCore(opts, async (core) => {
        const filter = o.status === undefined ? {} : { status: o.status as (typeof COMPLAINT_STATUSES)[number] };
        const { items, total } = await core.complaints.list(filter, p);
        const listed = items.map(complaintListing);
        out.result({ total, complaints: listed }, listed.length ? listed.map(describeComplaint).join('\n') : 'no public reports');
        return exitCodes.ok;
      });
    }));
}
