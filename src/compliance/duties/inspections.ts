// Police inspections (R24): an inspector records the inspection and its findings, each citing an article with a
// rectification deadline (a CST day); the unit records how it rectified each finding (compliance.manage); the
// inspector confirms closure (inspection.record). A finding is open → rectified → closed, never back; every step is
// written to the system log. Who may call which step is the route's permission (http/), not checked here.
import { v7 as uuidv7 } from 'uuid';
import { rectificationOverdue } from '../../domain/index.js';
import type { InspectionFindingRow, InspectionRow } from '../../db/index.js';
import { DutyError } from './errors.js';
import type { SystemActor, SystemEventRecorder } from './ports.js';
import type { DutiesRepo } from './repo.js';
import { requireDay, requirePastInstant, requireText, TITLE_MAX_CHARS } from './validate.js';

/** An article id as regulation-map.md writes them: R8.1(3), R14, D17, R15.2 … */
const ARTICLE = /^[RD]\d{1,2}(\.\d{1,2})?(\(\d{1,2}\))?$/;
const FINDINGS_MAX = 100;
const INSPECTORS_MAX = 20;

export interface NewInspectionInput {
  inspectedMs: number;
  inspectors: string[];
  inspectorUnit: string;
  scope: string;
  summary?: string;
  findings: { article: string; description: string; deadlineDay: string }[];
}

export type FindingState = 'open' | 'rectified' | 'closed';

export interface InspectionFinding {
  id: string;
  inspectionId: string;
  seq: number;
  article: string;
  description: string;
  deadlineDay: string;
  state: FindingState;
  /** Not rectified and its deadline day has ended. */
  overdue: boolean;
  rectifiedMs: number | null;
  rectification: string | null;
  rectifiedBy: string | null;
  closedMs: number | null;
  closedBy: string | null;
}

export interface Inspection {
  id: string;
  inspectedMs: number;
  inspectors: string[];
  inspectorUnit: string;
  scope: string;
  summary: string;
  recordedBy: string;
  createdMs: number;
  findings: InspectionFinding[];
}

export function findingView(r: InspectionFindingRow, nowMs: number): InspectionFinding {
  const rectifiedMs = r.rectified_ms === null ? null : Number(r.rectified_ms);
  return {
    id: r.id, inspectionId: r.inspection_id, seq: r.seq, article: r.article, description: r.description, deadlineDay: r.deadline_day,
    state: r.closed_ms !== null ? 'closed' : rectifiedMs !== null ? 'rectified' : 'open',
    overdue: rectificationOverdue(r.deadline_day, rectifiedMs ?? undefined, nowMs),
    rectifiedMs, rectification: r.rectification, rectifiedBy: r.rectified_by_name,
    closedMs: r.closed_ms === null ? null : Number(r.closed_ms), closedBy: r.closed_by_name,
  };
}

function inspectionView(r: InspectionRow, findings: InspectionFindingRow[], nowMs: number): Inspection {
  return {
    id: r.id, inspectedMs: Number(r.inspected_ms), inspectors: JSON.parse(r.inspectors) as string[], inspectorUnit: r.inspector_unit,
    scope: r.scope, summary: r.summary, recordedBy: r.recorded_by_name, createdMs: Number(r.created_ms),
    findings: findings.map((f) => findingView(f, nowMs)),
  };
}

export class Inspections {
  constructor(
    private readonly repo: DutiesRepo,
    private readonly now: () => number,
    private readonly events: SystemEventRecorder,
  ) {}

  async record(actor: SystemActor, input: NewInspectionInput): Promise<Inspection> {
    const nowMs = this.now();
    const inspectedMs = requirePastInstant(input.inspectedMs, 'inspectedMs', nowMs);
    if (!Array.isArray(input.inspectors) || input.inspectors.length === 0 || input.inspectors.length > INSPECTORS_MAX) {
      throw new DutyError('invalid_duty_input', `'inspectors' must name 1–${INSPECTORS_MAX} inspectors`, 'inspectors');
    }
    const inspectors = input.inspectors.map((n) => requireText(n, 'inspectors', 80));
    if (!Array.isArray(input.findings) || input.findings.length > FINDINGS_MAX) {
      throw new DutyError('invalid_duty_input', `'findings' must be a list of at most ${FINDINGS_MAX}`, 'findings');
    }
    const row: InspectionRow = {
      id: uuidv7(), inspected_ms: inspectedMs, inspectors: JSON.stringify(inspectors),
      inspector_unit: requireText(input.inspectorUnit, 'inspectorUnit', TITLE_MAX_CHARS), scope: requireText(input.scope, 'scope'),
      summary: requireText(input.summary, 'summary', undefined, true), recorded_by_id: actor.accountId, recorded_by_name: actor.displayName,
      created_ms: nowMs,
    };
    const findings = input.findings.map((f, i): InspectionFindingRow => {
      if (typeof f.article !== 'string' || !ARTICLE.test(f.article)) {
        throw new DutyError('invalid_duty_input', `findings[${i}].article must be an article id such as R8.1(3), R14 or D17`, `findings[${i}].article`);
      }
      return {
        id: uuidv7(), inspection_id: row.id, seq: i + 1, article: f.article, description: requireText(f.description, `findings[${i}].description`),
        deadline_day: requireDay(f.deadlineDay, `findings[${i}].deadlineDay`), rectified_ms: null, rectification: null, rectified_by_id: null,
        rectified_by_name: null, closed_ms: null, closed_by_id: null, closed_by_name: null,
      };
    });
    await this.repo.insertInspection(row, findings);
    await this.events.recordEvent({
      actor, event: 'inspection.recorded', target: row.id, clientAddr: null,
      details: { inspectedMs, inspectorUnit: row.inspector_unit, findings: findings.map((f) => ({ id: f.id, article: f.article, deadlineDay: f.deadline_day })) },
    });
    return inspectionView(row, findings, nowMs);
  }

  async get(id: string): Promise<Inspection> {
    const found = await this.repo.getInspection(id.toLowerCase());
    if (!found) throw new DutyError('inspection_not_found', `no inspection ${id}`, 'id');
    return inspectionView(found.inspection, found.findings, this.now());
  }

  async list(filter: { fromMs?: number; toMs?: number }, page: { limit: number; offset: number }): Promise<{ items: Inspection[]; total: number }> {
    const nowMs = this.now();
    const { rows, total } = await this.repo.listInspections(filter, page);
    const findings = await this.repo.findingsOf(rows.map((r) => r.id));
    return { items: rows.map((r) => inspectionView(r, findings.filter((f) => f.inspection_id === r.id), nowMs)), total };
  }

  /** The unit records how it rectified a finding (again, if the inspector has not closed it yet: the latest stands). */
  async rectify(actor: SystemActor, findingId: string, input: { rectification: string }): Promise<InspectionFinding> {
    const nowMs = this.now();
    const rectification = requireText(input.rectification, 'rectification');
    const current = await this.finding(findingId);
    if (current.closed_ms !== null) throw new DutyError('finding_state_conflict', `finding ${current.id} is closed`, 'id', 'R24');
    const ok = await this.repo.rectify(current.id, { rectified_ms: nowMs, rectification, rectified_by_id: actor.accountId, rectified_by_name: actor.displayName });
    if (!ok) throw new DutyError('finding_state_conflict', `finding ${current.id} was closed meanwhile`, 'id', 'R24');
    await this.events.recordEvent({ actor, event: 'inspection_finding.rectified', target: current.id, clientAddr: null, details: { inspectionId: current.inspection_id, article: current.article } });
    return findingView((await this.repo.getFinding(current.id))!, nowMs);
  }

  /** The inspector confirms a rectified finding is closed. */
  async close(actor: SystemActor, findingId: string): Promise<InspectionFinding> {
    const nowMs = this.now();
    const current = await this.finding(findingId);
    if (current.closed_ms !== null) throw new DutyError('finding_state_conflict', `finding ${current.id} is already closed`, 'id', 'R24');
    if (current.rectified_ms === null) throw new DutyError('finding_state_conflict', `finding ${current.id} has no rectification recorded yet`, 'id', 'R24');
    const ok = await this.repo.closeFinding(current.id, { closed_ms: nowMs, closed_by_id: actor.accountId, closed_by_name: actor.displayName });
    if (!ok) throw new DutyError('finding_state_conflict', `finding ${current.id} changed meanwhile`, 'id', 'R24');
    await this.events.recordEvent({ actor, event: 'inspection_finding.closed', target: current.id, clientAddr: null, details: { inspectionId: current.inspection_id, article: current.article } });
    return findingView((await this.repo.getFinding(current.id))!, nowMs);
  }

  private async finding(id: string): Promise<InspectionFindingRow> {
    const row = await this.repo.getFinding(id.toLowerCase());
    if (!row) throw new DutyError('inspection_finding_not_found', `no inspection finding ${id}`, 'id');
    return row;
  }
}
