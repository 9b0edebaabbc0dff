// The snapshot adapter: assembles the checker's ComplianceSnapshot (domain/) from live data — cameras (recording =
// enabled), installation records and signage (devices/, through ports), systems with
// their lifecycle, in-use date, filing and first change since filing, every account's personnel facts and the segment
// store's capacity warnings (retention/) — and
// runs checkCompliance over it. Rules whose data no source keeps yet are left out and named in `unchecked`.
import { checkCompliance, type ComplianceSnapshot, type Finding, type UserFacts } from '../domain/index.js';
import type { FilingService } from './filing.js';
import type {
  CameraFactsSource, InstallationSource, OperationsFacts, PersonnelSource, RetentionFacts, SignageSource, SystemsSource, UncheckedArticle,
} from './ports.js';

/** R16.1 "监看人员和管理人员": roles that watch video or administer the system need training. */
const STAFF_ROLES: readonly string[] = ['operator', 'contractor', 'system_admin', 'security_admin'];

export interface SnapshotDeps {
  cameras: CameraFactsSource;
  systems: SystemsSource;
  installations: InstallationSource;
  signage: SignageSource;
  retention: RetentionFacts;
  personnel: PersonnelSource;
  operations: OperationsFacts;
  filing: FilingService;
  clock: () => number;
}

export interface ComplianceReport {
  checkedMs: number;
  findings: Finding[];
  unchecked: UncheckedArticle[];
}

export async function buildSnapshot(deps: SnapshotDeps): Promise<ComplianceSnapshot> {
  const nowMs = Math.floor(deps.clock());
  await deps.filing.refresh();
  const [cameras, systems, installations, signage, users, operations] = await Promise.all([
    deps.cameras.list(),
    deps.systems.list(),
    deps.installations.installationRecords(),
    deps.signage.signageRecords(),
    deps.personnel.users(nowMs),
    deps.operations.complianceFacts(nowMs),
  ]);
  const [retention, storageWarnings] = await Promise.all([
    deps.retention.retentionDaysByCamera(cameras.map((c) => c.id)),
    deps.retention.capacityWarnings(),
  ]);
  const systemOf = new Map(systems.flatMap((s) => s.cameras.map((c) => [c.cameraId, s.id] as const)));
  const statuses = await Promise.all(systems.map((s) => deps.filing.status(s.id)));
  return {
    nowMs,
    cameras: cameras.map((c) => ({
      id: c.id,
      systemId: systemOf.get(c.id) ?? null,
      recording: c.enabled,
      retentionDays: retention.get(c.id) ?? 0,
    })),
    installations,
    signage,
    systems: systems.map((s, i) => {
      const status = statuses[i]!;
      const retired = s.lifecycle === 'retired';
      return {
        id: s.id,
        lifecycle: s.lifecycle,
        ...(s.inUseSinceMs === null || retired ? {} : { inUseSinceMs: s.inUseSinceMs }),
        ...(status.filedMs === null || retired ? {} : { filedMs: status.filedMs }),
        ...(status.lastChangeMs === null || retired ? {} : { lastChangeMs: status.lastChangeMs }),
      };
    }),
    users,
    ...operations,
    // One local segment store today (retention/ capacity report names it 'local').
    storage: { store: 'local', warnings: storageWarnings },
  };
}

export async function complianceReport(deps: SnapshotDeps): Promise<ComplianceReport> {
  const snapshot = await buildSnapshot(deps);
  const unchecked = [...deps.installations.unchecked, ...deps.signage.unchecked];
  const skip = new Set(unchecked.flatMap((u) => u.rules));
  return { checkedMs: snapshot.nowMs, findings: checkCompliance(snapshot).filter((f) => !skip.has(f.rule)), unchecked };
}

/** R16.1 / R15.2 / R19 facts of an account, from its roles and personnel record. */
export function userFacts(input: {
  id: string;
  roles: readonly string[];
  disabled: boolean;
  vettedMs?: number | null;
  confidentialitySignedMs?: number | null;
  trainings: readonly { validUntilMs: number }[];
  agreements: readonly { startMs: number; endMs: number }[];
  nowMs: number;
}): UserFacts | null {
  if (input.disabled) return null;
  const trainingUntil = Math.max(...input.trainings.map((t) => t.validUntilMs), -Infinity);
  const agreementUntil = Math.max(...input.agreements.filter((a) => a.startMs <= input.nowMs).map((a) => a.endMs), -Infinity);
  return {
    id: input.id,
    handlesVideo: input.roles.some((r) => STAFF_ROLES.includes(r)),
    ...(input.vettedMs != null ? { vettedMs: input.vettedMs } : {}),
    ...(input.confidentialitySignedMs != null ? { confidentialitySignedMs: input.confidentialitySignedMs } : {}),
    ...(Number.isFinite(trainingUntil) ? { trainingValidUntilMs: trainingUntil } : {}),
    contractor: input.roles.includes('contractor'),
    ...(Number.isFinite(agreementUntil) ? { agreementValidUntilMs: agreementUntil } : {}),
  };
}
