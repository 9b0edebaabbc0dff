// `vigil duty task list|add|complete` (recurring duty tasks, D17; the R8.2 regular check of the R8.1 areas) and
// `vigil duty log list|add` (the append-only duty log of the monitoring room, D17). Thin wrappers over
// compliance/'s DutiesService: every rule (kinds, recurrence, the R8.2 find-and-report, corrections) is the
// service's, which also writes definitions and completions to the system log. Who the records name: see actor.ts.
// Exit codes: a malformed flag (a number that is not one, a bad time) is usage (2); a value the service refuses is
// an error (1) with its code, field and, where the law refuses, article.
import type { Command } from 'commander';
import { parseInstant } from '../audit/index.js';
import { DUE_WITHIN_MAX_DAYS, DUTY_LOG_KINDS, periodOf, type DutyLogEntry, type DutyLogKind, type DutyTask, type TaskCompletion, type TaskScope } from '../compliance/index.js';
import { cstDayOf, TASK_KINDS } from '../domain/index.js';
import { cliActor } from './actor.js';
import { withCore, type Act } from './context.js';
import { exitCodes, UsageError } from './output.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const CST_OFFSET_MS = 8 * 3_600_000;
/** Listings page at most this many rows, as the HTTP routes do. */
const PAGE_MAX = 1000;

/** A wall-clock time in China Standard Time, as the records are read: "2026-12-03 08:00 CST". */
export function cstTime(ms: number): string {
  return `${new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')} CST`;
}

export function wholeNumber(value: string, flag: string, max = 999_999_999): number {
  if (!/^\d{1,9}$/.test(value.trim()) || Number(value) > max) throw new UsageError(`${flag} must be a whole number${max < 999_999_999 ? ` (0–${max})` : ''}, got '${value.slice(0, 20)}'`);
  return Number(value);
}

/** ms since the epoch or ISO-8601 with a zone; undefined when not given. */
function instant(value: string | undefined, flag: string): number | undefined {
  try {
    return parseInstant(value, flag);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function scopeOf(cameras: string[] | undefined, systems: string[] | undefined): TaskScope | undefined {
  if (cameras?.length && systems?.length) throw new UsageError('a task covers the unit, some cameras or some systems: give --camera or --system, not both');
  if (cameras?.length) return { kind: 'cameras', ids: cameras };
  if (systems?.length) return { kind: 'systems', ids: systems };
  return undefined;
}

function describeTask(t: DutyTask): string {
  const state = !t.active ? 'inactive' : t.status.state === 'overdue' ? 'OVERDUE' : t.status.state;
  const scope = t.scope.kind === 'unit' ? 'unit' : `${t.scope.kind} ${t.scope.ids.join(',')}`;
  return `${t.nextDueDay}  ${state.padEnd(9)} ${t.kind.padEnd(20)} ${t.article.padEnd(5)} ${t.title}  every ${t.recurrenceDays} d  ${scope}  (${t.id})`;
}

function describeCompletion(c: TaskCompletion): string {
  const r8 = c.forbiddenCameraFound === null ? '' : c.forbiddenCameraFound ? `; camera found in an R8.1 area, police report ${c.policeReportRef}` : '; no camera in an R8.1 area';
  return `${c.id}  task ${c.taskId} done ${cstTime(c.doneMs)} by ${c.by.name}: ${c.result}${c.late ? ` (late: was due ${c.dueDay})` : ''}${r8}; next due ${c.nextDueDay}`;
}

function describeEntry(e: DutyLogEntry): string {
  const corrects = e.correctsId ? `  (corrects ${e.correctsId})` : '';
  const corrected = e.correctedBy.length ? `  [corrected by ${e.correctedBy.join(', ')}]` : '';
  return `${cstTime(e.atMs)}  ${e.kind.padEnd(11)} ${e.author.name} (${e.author.unit || '-'}): ${e.text}  ${e.id}${corrects}${corrected}`;
}

export function registerDutyRecordCommands(duty: Command, act: Act): void {
  const task = duty.command('task').description('recurring duty tasks (D17; r8_area_check: the regular check of the R8.1 areas, R8.2)');

  task.command('list').description('tasks by due day, each with its state as of now (active only unless --all)')
    .option('--all', 'include inactive tasks')
    .option('--within <days>', 'days ahead that count as due soon', '7')
    .action(act(async (out, opts, o: { all?: boolean; within: string }) => {
      const within = wholeNumber(o.within, '--within', DUE_WITHIN_MAX_DAYS);
      return withCore(opts, async (core) => {
        const tasks = await core.duties.tasks.list({ all: !!o.all, withinDays: within });
        out.result({ tasks }, tasks.length ? tasks.map(describeTask).join('\n') : 'no duty tasks (vigil duty task add …)');
        return exitCodes.ok;
      });
    }));

  task.command('add').description('define a recurring task; prints its id (VIGIL_TOKEN: needs compliance.manage)')
    .requiredOption('--kind <kind>', TASK_KINDS.join(' | '))
    .requiredOption('--title <title>', 'what is to be done (≤ 200 characters)')
    .requiredOption('--every <days>', 'recurrence in days (1–1830)')
    .option('--first-due <YYYY-MM-DD>', 'the first due day (CST); default today + --every')
    .option('--camera <id>', 'scope: a camera (repeat; default the whole unit)', collect)
    .option('--system <id>', 'scope: a system (repeat)', collect)
    .action(act(async (out, opts, o: { kind: string; title: string; every: string; firstDue?: string; camera?: string[]; system?: string[] }) => {
      const recurrenceDays = wholeNumber(o.every, '--every');
      const scope = scopeOf(o.camera, o.system);
      return withCore(opts, async (core) => {
        const { actor } = await cliActor(core, 'compliance.manage');
        const t = await core.duties.tasks.create(actor, {
          kind: o.kind, title: o.title, recurrenceDays, ...(scope ? { scope } : {}), ...(o.firstDue === undefined ? {} : { firstDueDay: o.firstDue }),
        });
        out.result({ id: t.id, task: t }, t.id);
        return exitCodes.ok;
      });
    }));

  task.command('complete <taskId>').description('record that a task was done; moves it to (CST day done) + recurrence (VIGIL_TOKEN: needs duty.record)')
    .requiredOption('--result <result>', 'ok | issues_found')
    .option('--findings <text>', 'what was found (required with --result issues_found)')
    .option('--done <time>', 'when it was done: ms or ISO-8601 with a zone (default now)')
    .option('--forbidden-camera-found', 'R8.2, r8_area_check only: a camera was found filming an R8.1 area (needs --police-report)')
    .option('--no-forbidden-camera-found', 'R8.2, r8_area_check only: no camera was found filming an R8.1 area')
    .option('--police-report <ref>', 'R8.2: the reference of the report made to the police')
    .action(act(async (out, opts, taskId: string, o: { result: string; findings?: string; done?: string; forbiddenCameraFound?: boolean; policeReport?: string }) => {
      const doneMs = instant(o.done, '--done');
      return withCore(opts, async (core) => {
        const { actor } = await cliActor(core, 'duty.record');
        const c = await core.duties.tasks.complete(actor, taskId, {
          result: o.result as 'ok' | 'issues_found', findings: o.findings ?? '',
          ...(doneMs === undefined ? {} : { doneMs }),
          ...(o.forbiddenCameraFound === undefined ? {} : { forbiddenCameraFound: o.forbiddenCameraFound }),
          ...(o.policeReport === undefined ? {} : { policeReportRef: o.policeReport }),
        });
        out.result({ completion: c }, describeCompletion(c));
        return exitCodes.ok;
      });
    }));

  const log = duty.command('log').description('the duty log of the monitoring room (D17): append-only, corrected by new entries');

  log.command('list').description('entries by when they happened, oldest first (default: today, CST)')
    .option('--from <day>', 'first CST day YYYY-MM-DD (or ms / ISO-8601 instant); default --to or today')
    .option('--to <day>', 'last CST day YYYY-MM-DD, inclusive (or an exclusive ms / ISO-8601 instant); default today')
    .option('--limit <n>', `at most this many entries (1–${PAGE_MAX})`, String(PAGE_MAX))
    .option('--offset <n>', 'skip this many entries', '0')
    .action(act(async (out, opts, o: { from?: string; to?: string; limit: string; offset: string }) => {
      const limit = wholeNumber(o.limit, '--limit', PAGE_MAX);
      if (limit < 1) throw new UsageError(`--limit must be 1–${PAGE_MAX}`);
      const offset = wholeNumber(o.offset, '--offset');
      const today = cstDayOf(Date.now());
      let period: { fromMs: number; toMs: number };
      try {
        period = periodOf(o.from ?? o.to ?? today, o.to ?? today);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      return withCore(opts, async (core) => {
        const { items, total } = await core.duties.log.list(period.fromMs, period.toMs, { limit, offset });
        const more = total > offset + items.length ? `\n… ${total - offset - items.length} more (--offset ${offset + items.length})` : '';
        out.result({ ...period, total, entries: items }, items.length ? items.map(describeEntry).join('\n') + more : 'no duty-log entries in that period');
        return exitCodes.ok;
      });
    }));

  log.command('add').description('append an entry; prints its id (VIGIL_TOKEN: needs duty.record, and signs the entry)')
    .requiredOption('--kind <kind>', DUTY_LOG_KINDS.join(' | '))
    .requiredOption('--text <text>', 'what happened (≤ 4000 characters)')
    .option('--at <time>', 'when it happened: ms or ISO-8601 with a zone (default now)')
    .option('--corrects <entryId>', 'for --kind correction: the entry it corrects')
    .action(act(async (out, opts, o: { kind: string; text: string; at?: string; corrects?: string }) => {
      const atMs = instant(o.at, '--at');
      return withCore(opts, async (core) => {
        const { actor } = await cliActor(core, 'duty.record');
        const e = await core.duties.log.append(actor, {
          kind: o.kind as DutyLogKind, text: o.text, ...(atMs === undefined ? {} : { atMs }), ...(o.corrects === undefined ? {} : { correctsId: o.corrects }),
        });
        out.result({ id: e.id, entry: e }, e.id);
        return exitCodes.ok;
      });
    }));
}
