// Filing (备案, R14): the record generated from live data (unit profile, the system's location, its cameras by type,
// their retention), submissions that keep exactly what was filed, the police receipt, and the filing status with
// its deadlines (domain/ filingStatus). When a filed fact first differs from the last submission, that instant is
// kept (filing_changes) so the change-filing deadline starts from a real time; refresh() is called after every
// change the process sees (app/ wires camera, system and unit changes to it) and before every status read.
import { v7 as uuidv7 } from 'uuid';
import type { Db, FilingSubmissionRow } from '../db/index.js';
import { buildFilingRecord, changedFilingFacts, filingStatus, type FilingRecord, type FilingStatus } from '../domain/index.js';
import { ComplianceError } from './errors.js';
import type { RetentionFacts, SystemActor, SystemEventRecorder, SystemsSource } from './ports.js';
import * as repo from './repo.js';
import { getUnit } from './unit.js';

export interface FilingSubmission {
  id: string;
  systemId: string;
  submittedMs: number;
  submittedBy: string;
  record: FilingRecord;
  receipt: { number: string; organ: string; date: string; recordedMs: number } | null;
}

export interface SystemFilingStatus {
  systemId: string;
  status: FilingStatus;
  filedMs: number | null;
  lastChangeMs: number | null;
  /** The facts that differ from the last submission. */
  changedFacts: string[];
  latest: FilingSubmission | null;
}

export interface FilingDeps {
  db: Db;
  systems: SystemsSource;
  retention: RetentionFacts;
  events: SystemEventRecorder;
  clock: () => number;
}

export class FilingService {
  constructor(private readonly deps: FilingDeps) {}

  /** The live record of one system. Needs the unit profile (409 unit_profile_missing otherwise). */
  async record(systemId: string): Promise<FilingRecord> {
    const unit = await getUnit(this.deps.db);
    if (!unit) throw new ComplianceError('unit_profile_missing', 'R14: a filing states the unit’s basic information; set the unit profile first (vigil unit set)', 'unit', 'R14');
    const system = await this.deps.systems.get(systemId);
    const retention = await this.deps.retention.retentionDaysByCamera(system.cameras.map((c) => c.cameraId));
    const { updatedMs: _u, ...profile } = unit;
    return buildFilingRecord({ unit: profile, system, cameras: system.cameras, retentionDaysByCamera: retention, nowMs: this.#now() });
  }

  /** Records of every system that is not retired (the filing form lists one system per page). */
  async records(systemId?: string): Promise<FilingRecord[]> {
    if (systemId !== undefined) return [await this.record(systemId)];
    const systems = (await this.deps.systems.list()).filter((s) => s.lifecycle !== 'retired');
    return Promise.all(systems.map((s) => this.record(s.id)));
  }

  /** Files the live record as it is now; the police receipt comes later (receipt()). */
  async submit(actor: SystemActor | null, systemId: string, via?: string): Promise<FilingSubmission> {
    const record = await this.record(systemId);
    if (record.system.lifecycle === 'retired') throw new ComplianceError('filing_not_applicable', 'a retired system is not filed', 'systemId', 'R14');
    const row: FilingSubmissionRow = {
      id: uuidv7(), system_id: record.system.id, submitted_ms: this.#now(), submitted_by: actor ? `${actor.displayName} (${actor.username})` : 'cli',
      record: JSON.stringify(record), receipt_number: null, receiving_organ: null, receipt_date: null, receipt_recorded_ms: null,
    };
    await repo.insertSubmission(this.deps.db, row);
    await repo.clearChange(this.deps.db, record.system.id);
    await this.#log(actor, 'filing.submitted', record.system.id, { submissionId: row.id, facts: record.facts }, via);
    return toSubmission(row);
  }

  async receipt(actor: SystemActor | null, submissionId: string, input: { number: string; organ: string; date: string }, via?: string): Promise<FilingSubmission> {
    const number = required(input.number, 'number');
    const organ = required(input.organ, 'organ');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date ?? '') || Number.isNaN(Date.parse(`${input.date}T00:00:00Z`))) {
      throw new ComplianceError('invalid_filing', 'date must be a calendar day YYYY-MM-DD', 'date');
    }
    const row = await repo.getSubmission(this.deps.db, submissionId);
    if (!row) throw new ComplianceError('filing_submission_not_found', `no filing submission ${submissionId.slice(0, 40)}`, 'id');
    if (!(await repo.setReceipt(this.deps.db, row.id, { receipt_number: number, receiving_organ: organ, receipt_date: input.date, receipt_recorded_ms: this.#now() }))) {
      throw new ComplianceError('filing_receipt_exists', `submission ${row.id} already has its receipt ${row.receipt_number}`, 'id');
    }
    await this.#log(actor, 'filing.receipt_recorded', row.system_id, { submissionId: row.id, number, organ, date: input.date }, via);
    return toSubmission((await repo.getSubmission(this.deps.db, row.id))!);
  }

  async submissions(systemId?: string): Promise<FilingSubmission[]> {
    return (await repo.listSubmissions(this.deps.db, systemId)).map(toSubmission);
  }

  /**
   * Compares the live record of every filed system with its last submission and keeps when a difference was first
   * seen (or forgets it when the facts are back to what was filed). Systems that cannot be generated (no unit
   * profile) are skipped: nothing is filed then.
   */
  async refresh(): Promise<void> {
    const latest = await repo.latestSubmissions(this.deps.db);
    for (const [systemId, submission] of latest) await this.#refreshOne(systemId, submission);
  }

  async status(systemId: string): Promise<SystemFilingStatus> {
    const system = await this.deps.systems.get(systemId);
    const latest = (await repo.listSubmissions(this.deps.db, system.id))[0];
    const change = latest ? await this.#refreshOne(system.id, latest) : { lastChangeMs: null, facts: [] as string[] };
    const nowMs = this.#now();
    const inUse = system.lifecycle === 'retired' ? undefined : (system.inUseSinceMs ?? undefined);
    const status = filingStatus({
      nowMs,
      ...(inUse === undefined ? {} : { inUseSinceMs: inUse }),
      ...(latest ? { filedMs: latest.submitted_ms } : {}),
      ...(change.lastChangeMs === null ? {} : { lastChangeMs: change.lastChangeMs }),
    });
    return {
      systemId: system.id,
      status: system.lifecycle === 'retired' ? { status: 'not_due' } : status,
      filedMs: latest?.submitted_ms ?? null,
      lastChangeMs: change.lastChangeMs,
      changedFacts: change.facts,
      latest: latest ? toSubmission(latest) : null,
    };
  }

  async #refreshOne(systemId: string, submission: FilingSubmissionRow): Promise<{ lastChangeMs: number | null; facts: string[] }> {
    let live: FilingRecord;
    try {
      live = await this.record(systemId);
    } catch (err) {
      if ((err as { code?: string }).code === 'system_not_found' || (err as { code?: string }).code === 'unit_profile_missing') {
        return { lastChangeMs: null, facts: [] };
      }
      throw err;
    }
    const filed = JSON.parse(submission.record) as FilingRecord;
    const facts = changedFilingFacts(filed.facts, live.facts);
    if (facts.length === 0) {
      await repo.clearChange(this.deps.db, systemId);
      return { lastChangeMs: null, facts };
    }
    const firstMs = await repo.noteChange(this.deps.db, systemId, submission.id, this.#now(), facts);
    return { lastChangeMs: firstMs, facts };
  }

  #log(actor: SystemActor | null, event: string, target: string, details: Record<string, unknown>, via?: string): Promise<unknown> {
    return this.deps.events.recordEvent({ actor, event, target, details: via ? { ...details, via } : details, clientAddr: null });
  }

  #now(): number {
    return Math.floor(this.deps.clock());
  }
}

function required(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ComplianceError('invalid_filing', `${field} is required`, field);
  if (value.trim().length > 300) throw new ComplianceError('invalid_filing', `${field} is longer than 300 characters`, field);
  return value.trim();
}

function toSubmission(row: FilingSubmissionRow): FilingSubmission {
  return {
    id: row.id,
    systemId: row.system_id,
    submittedMs: row.submitted_ms,
    submittedBy: row.submitted_by,
    record: JSON.parse(row.record) as FilingRecord,
    receipt: row.receipt_number === null
      ? null
      : { number: row.receipt_number, organ: row.receiving_organ ?? '', date: row.receipt_date ?? '', recordedMs: row.receipt_recorded_ms ?? 0 },
  };
}
