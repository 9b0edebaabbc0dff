// The compliance checker's vocabulary: the snapshot it reads, the finding it writes, and their deterministic order.
// The checks themselves and checkCompliance live in compliance-checks.ts. Pure: `nowMs` is in the snapshot.
import type { CapacityWarning } from '../capacity.js';
import type { AccessRegisterFacts, ComplaintFacts, RectificationFacts, TaskFacts } from './duties.js';
import type { InstallationRecord } from './installation.js';
import { describeFines, PENALTIES, type Fine, type PenaltyArticle } from './penalties.js';
import type { Label } from './places.js';

/** R11, D12–D14: the lifecycle of a system; only accepted systems may record (D12). */
export const SYSTEM_LIFECYCLE = ['designed', 'built', 'inspected', 'accepted', 'in_use', 'changed', 'retired'] as const;
export type SystemLifecycle = (typeof SYSTEM_LIFECYCLE)[number];

export interface CameraFacts {
  id: string;
  /** The system (R11) the camera belongs to; null for a camera in no system (legacy, found by the checker). */
  systemId: string | null;
  /** The camera is recording (or set to record) now. */
  recording: boolean;
  /** R17: the camera's retention period in days. */
  retentionDays: number;
}

/** R13: a conspicuous sign for a camera. */
export interface SignageRecord {
  cameraId: string;
  installedMs: number;
  text: string;
  photoRef?: string;
}

export interface SystemFacts {
  id: string;
  lifecycle: SystemLifecycle;
  /** R14: when the system went into use (投入使用). */
  inUseSinceMs?: number;
  /** R14: when the current filing was submitted. */
  filedMs?: number;
  /** R14: the last change to a filed fact (cameras, location, retention) after which a change filing is due. */
  lastChangeMs?: number;
}

export interface UserFacts {
  id: string;
  /** Monitoring or administration staff (R16.1): views video or administers the system. */
  handlesVideo: boolean;
  /** R16.1 入职审查: the background vetting was recorded at this instant. */
  vettedMs?: number;
  /** R16.1 保密教育: the confidentiality agreement was signed at this instant. */
  confidentialitySignedMs?: number;
  /** R16.1: confidentiality education and training, valid until this instant. */
  trainingValidUntilMs?: number;
  /** R15.2 / R19: works for an outsourced operator. */
  contractor: boolean;
  /** R15.2 / R19: the security and confidentiality agreement, valid until this instant. */
  agreementValidUntilMs?: number;
}

export interface ComplianceSnapshot {
  nowMs: number;
  cameras: readonly CameraFacts[];
  installations: readonly InstallationRecord[];
  signage: readonly SignageRecord[];
  systems: readonly SystemFacts[];
  users: readonly UserFacts[];
  /** D17, R8.2: the active duty tasks with their next due day (absent: not collected, the duty checks skip). */
  tasks?: readonly TaskFacts[];
  /** R24: findings of police inspections and whether each was rectified. */
  rectifications?: readonly RectificationFacts[];
  /** R24: public reports received and when each had its first public reply. */
  complaints?: readonly ComplaintFacts[];
  /** R16.3: the access register's verification and the entries that lack a reason, name or unit. */
  accessRegister?: AccessRegisterFacts;
  /** R17: the capacity planner's warnings for the segment store (absent: not collected, the storage check skips). */
  storage?: { store: string; warnings: readonly CapacityWarning[] };
}

export type Severity = 'critical' | 'major' | 'minor';
export type FindingObjectKind = 'camera' | 'system' | 'user' | 'task' | 'inspection_finding' | 'complaint' | 'access_register' | 'store';

export interface FindingPenalty {
  article: PenaltyArticle;
  /** e.g. "¥10,000–¥20,000 (unit)". */
  summary: string;
  measures: readonly Label[];
  finesOnlyIf?: Label;
  fines: readonly Fine[];
}

export interface Finding {
  /** Stable code of the check, e.g. 'camera_in_forbidden_place'. */
  rule: string;
  /** The law it enforces, as the regulation map names it, e.g. 'R8.1(3)'. */
  article: string;
  severity: Severity;
  objects: { kind: FindingObjectKind; id: string }[];
  /** What the law attaches (R26–R31); null where the Regulation attaches no penalty to the duty. */
  penalty: FindingPenalty | null;
  message: Label;
  fix: Label;
}

export function penaltyOf(article: PenaltyArticle): FindingPenalty {
  const penalty = PENALTIES[article];
  return {
    article,
    summary: describeFines(penalty),
    measures: penalty.measures,
    ...(penalty.finesOnlyIf ? { finesOnlyIf: penalty.finesOnlyIf } : {}),
    fines: penalty.fines,
  };
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2 };

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Severity, then the order of the checks, then the objects' ids, then the article: same snapshot, same report. */
export function compareFindings(a: Finding, b: Finding, ruleOrder: readonly string[]): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    ruleOrder.indexOf(a.rule) - ruleOrder.indexOf(b.rule) ||
    compareText(a.objects.map((o) => `${o.kind}:${o.id}`).join(','), b.objects.map((o) => `${o.kind}:${o.id}`).join(',')) ||
    compareText(a.article, b.article)
  );
}
