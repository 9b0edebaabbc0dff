// The periodic self-assessment report (D17): generated from live data for a period [fromMs, toMs) — tasks done and
// overdue, duty-log coverage, inspections and open rectifications, public reports and response times, and the
// access register (counts, verification, incomplete entries) — with the duty checks' findings as of generation.
// Issuing stores the report as generated (append-only table) and logs it; a stored report is never regenerated.
import { v7 as uuidv7 } from 'uuid';
import {
  cstDayOf,
  DUTY_CHECKS,
  dutyCoverage,
  rectificationOverdue,
  TASK_KINDS,
  type ComplianceSnapshot,
  type Finding,
} from '../../domain/index.js';
import { DutyError } from './errors.js';
import { accessRegisterFacts, dutyComplianceFacts } from './facts.js';
import type { AccessRegisterPort, ComplaintFactsPort, ComplaintStats, SystemActor, SystemEventRecorder } from './ports.js';
import type { DutiesRepo } from './repo.js';
import { taskView } from './tasks.js';

/** Longest period of one report: a little over a year. */
export const REPORT_MAX_DAYS = 400;

export interface SelfAssessmentReport {
  period: { fromMs: number; toMs: number; fromDay: string; lastDay: string };
  generatedMs: number;
  tasks: {
    completed: number;
    completedLate: number;
    issuesFound: number;
    byKind: Record<string, number>;
    r8Checks: { done: number; forbiddenCameraFound: number; reportedToPolice: number };
    overdueNow: { id: string; kind: string; title: string; nextDueDay: string }[];
  };
  dutyLog: { entries: number; days: number; coveredDays: number; uncoveredDays: string[] };
  inspections: { count: number; findings: number; rectified: number; closed: number; open: number; overdue: number };
  complaints: ComplaintStats;
  accessRegister: { granted: number; refused: number; verified: boolean; problems: number; incompleteEntries: number };
  findings: Finding[];
}

export interface IssuedSelfAssessment {
  id: string;
  fromMs: number;
  toMs: number;
  issuedMs: number;
  issuedBy: string;
}

export class SelfAssessments {
  constructor(
    private readonly deps: {
      repo: DutiesRepo;
      now: () => number;
      events: SystemEventRecorder;
      register: AccessRegisterPort;
      complaints: ComplaintFactsPort;
    },
  ) {}

  async generate(fromMs: number, toMs: number): Promise<SelfAssessmentReport> {
    const { repo, register, complaints } = this.deps;
    const nowMs = this.deps.now();
    if (!(toMs > fromMs) || toMs - fromMs > REPORT_MAX_DAYS * 86_400_000) {
      throw new DutyError('invalid_duty_input', `the period must be 1 ms to ${REPORT_MAX_DAYS} days, 'to' after 'from'`, 'to');
    }
    const [completions, tasks, logTimes, inspections, complaintStats, registerFacts] = await Promise.all([
      repo.completionsBetween(fromMs, toMs),
      repo.listTasks({}),
      repo.logTimes(fromMs, toMs),
      repo.listInspections({ fromMs, toMs }, { limit: 100_000, offset: 0 }),
      complaints.complaintStats(fromMs, toMs, nowMs),
      accessRegisterFacts(register, fromMs, toMs),
    ]);
    // The report's findings judge the access register over the report's period (one verify for both).
    const facts = await dutyComplianceFacts(this.deps, nowMs, { register: registerFacts });
    const findingsRows = await repo.findingsOf(inspections.rows.map((r) => r.id));
    const byKind = Object.fromEntries(TASK_KINDS.map((k) => [k, completions.filter((c) => c.kind === k).length]));
    const r8 = completions.filter((c) => c.kind === 'r8_area_check');
    const snapshot: ComplianceSnapshot = { nowMs, cameras: [], installations: [], signage: [], systems: [], users: [], ...facts };
    return {
      period: { fromMs, toMs, fromDay: cstDayOf(fromMs), lastDay: cstDayOf(toMs - 1) },
      generatedMs: nowMs,
      tasks: {
        completed: completions.length,
        completedLate: completions.filter((c) => cstDayOf(Number(c.done_ms)) > c.due_day).length,
        issuesFound: completions.filter((c) => c.result === 'issues_found').length,
        byKind,
        r8Checks: {
          done: r8.length,
          forbiddenCameraFound: r8.filter((c) => c.forbidden_camera_found === 1).length,
          reportedToPolice: r8.filter((c) => c.forbidden_camera_found === 1 && c.police_report_ref).length,
        },
        overdueNow: tasks.map((t) => taskView(t, nowMs, 0)).filter((t) => t.status.state === 'overdue')
          .map((t) => ({ id: t.id, kind: t.kind, title: t.title, nextDueDay: t.nextDueDay })),
      },
      dutyLog: { entries: logTimes.length, ...dutyCoverage(logTimes, fromMs, toMs) },
      inspections: {
        count: inspections.total,
        findings: findingsRows.length,
        rectified: findingsRows.filter((f) => f.rectified_ms !== null).length,
        closed: findingsRows.filter((f) => f.closed_ms !== null).length,
        open: findingsRows.filter((f) => f.closed_ms === null).length,
        overdue: findingsRows.filter((f) => rectificationOverdue(f.deadline_day, f.rectified_ms === null ? undefined : Number(f.rectified_ms), nowMs)).length,
      },
      complaints: complaintStats,
      accessRegister: {
        granted: registerFacts.granted, refused: registerFacts.refused, verified: registerFacts.verified,
        problems: registerFacts.problems.length, incompleteEntries: registerFacts.incompleteEntries.length,
      },
      findings: DUTY_CHECKS.flatMap((check) => check.run(snapshot)),
    };
  }

  async issue(actor: SystemActor | null, fromMs: number, toMs: number): Promise<IssuedSelfAssessment & { report: SelfAssessmentReport }> {
    const report = await this.generate(fromMs, toMs);
    const row = {
      id: uuidv7(), from_ms: fromMs, to_ms: toMs, issued_ms: report.generatedMs,
      issued_by_id: actor?.accountId ?? 'system', issued_by_name: actor?.displayName ?? 'vigil (command line)', body: JSON.stringify(report),
    };
    await this.deps.repo.insertReport(row);
    await this.deps.events.recordEvent({ actor, event: 'self_assessment.issued', target: row.id, clientAddr: null, details: { fromMs, toMs, findings: report.findings.length } });
    return { id: row.id, fromMs, toMs, issuedMs: row.issued_ms, issuedBy: row.issued_by_name, report };
  }

  async get(id: string): Promise<IssuedSelfAssessment & { report: SelfAssessmentReport }> {
    const row = await this.deps.repo.getReport(id.toLowerCase());
    if (!row) throw new DutyError('self_assessment_not_found', `no self-assessment report ${id}`, 'id');
    return { id: row.id, fromMs: Number(row.from_ms), toMs: Number(row.to_ms), issuedMs: Number(row.issued_ms), issuedBy: row.issued_by_name, report: JSON.parse(row.body) as SelfAssessmentReport };
  }

  async list(page: { limit: number; offset: number }): Promise<{ items: IssuedSelfAssessment[]; total: number }> {
    const { rows, total } = await this.deps.repo.listReports(page);
    return { items: rows.map((r) => ({ id: r.id, fromMs: Number(r.from_ms), toMs: Number(r.to_ms), issuedMs: Number(r.issued_ms), issuedBy: r.issued_by_name })), total };
  }
}
