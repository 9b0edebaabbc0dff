// The duty log of the monitoring room (D17): shift start and end, what was observed, handover notes, each signed by
// the member of staff on duty. Append-only (the table's triggers refuse UPDATE and DELETE): a wrong entry is
// corrected by a new `correction` entry naming it, and listings show which entries were corrected by which.
import { v7 as uuidv7 } from 'uuid';
import { cstDayStartMs, MS_PER_DAY } from '../../domain/index.js';
import type { DutyLogRow } from '../../db/index.js';
import { DutyError } from './errors.js';
import type { SystemActor } from './ports.js';
import type { DutiesRepo } from './repo.js';
import { requireDay, requirePastInstant, requireText } from './validate.js';

export const DUTY_LOG_KINDS = ['shift_start', 'shift_end', 'observation', 'handover', 'correction'] as const;
export type DutyLogKind = (typeof DUTY_LOG_KINDS)[number];

export interface DutyLogEntry {
  id: string;
  atMs: number;
  writtenMs: number;
  kind: DutyLogKind;
  text: string;
  correctsId: string | null;
  /** Later entries that correct this one. */
  correctedBy: string[];
  author: { id: string; username: string; name: string; unit: string };
}

export interface NewDutyLogEntry {
  kind: DutyLogKind;
  text: string;
  /** When it happened; defaults to now. */
  atMs?: number;
  /** Required for (and only for) a correction. */
  correctsId?: string;
}

function view(r: DutyLogRow, correctedBy: string[]): DutyLogEntry {
  return {
    id: r.id, atMs: Number(r.at_ms), writtenMs: Number(r.written_ms), kind: r.kind, text: r.text, correctsId: r.corrects_id, correctedBy,
    author: { id: r.author_id, username: r.author_username, name: r.author_name, unit: r.author_unit },
  };
}

export class DutyLog {
  constructor(private readonly repo: DutiesRepo, private readonly now: () => number) {}

  async append(actor: SystemActor, input: NewDutyLogEntry): Promise<DutyLogEntry> {
    const nowMs = this.now();
    if (!(DUTY_LOG_KINDS as readonly string[]).includes(input.kind)) {
      throw new DutyError('invalid_duty_input', `'kind' must be one of ${DUTY_LOG_KINDS.join(', ')}`, 'kind');
    }
    const text = requireText(input.text, 'text');
    const atMs = input.atMs === undefined ? nowMs : requirePastInstant(input.atMs, 'atMs', nowMs);
    let correctsId: string | null = null;
    if (input.kind === 'correction') {
      if (!input.correctsId) throw new DutyError('invalid_duty_input', `a correction names the entry it corrects ('correctsId')`, 'correctsId');
      const target = await this.repo.getLog(input.correctsId.toLowerCase());
      if (!target) throw new DutyError('duty_entry_not_found', `no duty-log entry ${input.correctsId}`, 'correctsId');
      correctsId = target.id;
    } else if (input.correctsId !== undefined) {
      throw new DutyError('invalid_duty_input', `only a correction names another entry`, 'correctsId');
    }
    const row: DutyLogRow = {
      id: uuidv7(), at_ms: atMs, written_ms: nowMs, kind: input.kind, text, corrects_id: correctsId,
      author_id: actor.accountId, author_username: actor.username, author_name: actor.displayName, author_unit: actor.unit,
    };
    await this.repo.appendLog(row);
    return view(row, []);
  }

  /** The entries of one CST day (by when it happened), oldest first, paginated. */
  async listDay(day: string, page: { limit: number; offset: number }): Promise<{ items: DutyLogEntry[]; total: number }> {
    const fromMs = cstDayStartMs(requireDay(day, 'day'));
    return this.list(fromMs, fromMs + MS_PER_DAY, page);
  }

  async list(fromMs: number, toMs: number, page: { limit: number; offset: number }): Promise<{ items: DutyLogEntry[]; total: number }> {
    const { rows, total } = await this.repo.listLog(fromMs, toMs, page);
    const corrections = await this.repo.correctionsOf(rows.map((r) => r.id));
    const by = new Map<string, string[]>();
    for (const c of corrections) by.set(c.corrects_id, [...(by.get(c.corrects_id) ?? []), c.id]);
    return { items: rows.map((r) => view(r, by.get(r.id) ?? [])), total };
  }
}
