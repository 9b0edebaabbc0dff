// The ComplianceSnapshot fields of the operations duties (D17, R8.2, R24, R16.3), read from live data for the
// compliance checker: `complianceFacts(nowMs)`. The access register is scanned for incomplete entries over the last
// REGISTER_SCAN_DAYS only (the chain itself is verified in full): entries older than that were checked by earlier runs.
import type { AccessRegisterFacts, ComplaintFacts, RectificationFacts, TaskFacts, TaskKind } from '../../domain/index.js';
import type { AccessRegisterPort, ComplaintFactsPort, RegisterEntryFacts } from './ports.js';
import type { DutiesRepo } from './repo.js';

export const REGISTER_SCAN_DAYS = 90;
const PAGE = 1000;
/** Stop listing incomplete entries after this many (the count of the finding says "at least"). */
const INCOMPLETE_MAX = 1000;

export interface DutyComplianceFacts {
  tasks: TaskFacts[];
  rectifications: RectificationFacts[];
  complaints: ComplaintFacts[];
  accessRegister: AccessRegisterFacts;
}

export function missingOf(e: RegisterEntryFacts): ('reason' | 'name' | 'unit')[] {
  const blank = (s: string | null) => s === null || s.trim() === '';
  const missing: ('reason' | 'name' | 'unit')[] = [];
  if (blank(e.reasonCategory) || blank(e.reasonText)) missing.push('reason');
  if (blank(e.displayName)) missing.push('name');
  if (blank(e.unit)) missing.push('unit');
  return missing;
}

export async function accessRegisterFacts(register: AccessRegisterPort, fromMs: number, toMs: number): Promise<AccessRegisterFacts & { granted: number; refused: number }> {
  const report = await register.verify();
  const incompleteEntries: AccessRegisterFacts['incompleteEntries'][number][] = [];
  let granted: number;
  for (let offset = 0; ; offset += PAGE) {
    const { items, total } = await register.queryAccess({ fromMs, toMs, outcome: 'granted' }, { limit: PAGE, offset });
    granted = total;
    for (const e of items) {
      const missing = missingOf(e);
      if (missing.length > 0 && incompleteEntries.length < INCOMPLETE_MAX) incompleteEntries.push({ id: e.id, missing });
    }
    if (items.length < PAGE) break;
  }
  const refused = (await register.queryAccess({ fromMs, toMs, outcome: 'refused' }, { limit: 1, offset: 0 })).total;
  return { verified: report.ok, problems: report.logs.access.problems, incompleteEntries, granted, refused };
}

/** `register`: facts already read (the self-assessment reads them for its period), so verify runs once. */
export async function dutyComplianceFacts(
  deps: { repo: DutiesRepo; register: AccessRegisterPort; complaints: ComplaintFactsPort },
  nowMs: number,
  known?: { register: AccessRegisterFacts },
): Promise<DutyComplianceFacts> {
  const [tasks, findings, complaints, register] = await Promise.all([
    deps.repo.listTasks({}),
    deps.repo.openFindings(),
    deps.complaints.complaintFacts(),
    known?.register ?? accessRegisterFacts(deps.register, nowMs - REGISTER_SCAN_DAYS * 86_400_000, nowMs + 1),
  ]);
  return {
    tasks: tasks.map((t) => ({ id: t.id, kind: t.kind as TaskKind, title: t.title, nextDueDay: t.next_due_day })),
    rectifications: findings.map((f) => ({
      findingId: f.id, inspectionId: f.inspection_id, article: f.article, deadlineDay: f.deadline_day,
      ...(f.rectified_ms === null ? {} : { rectifiedMs: Number(f.rectified_ms) }),
    })),
    complaints,
    accessRegister: { verified: register.verified, problems: register.problems, incompleteEntries: register.incompleteEntries },
  };
}
