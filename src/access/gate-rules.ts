// The gate's decision as a pure function (architecture §6): given a request and the facts the service loaded
// (grants, group members, personnel record, the clock's reading), the first refusal in the fixed order, or null.
// No I/O and no clock: time is a parameter, so every rule is tested table-driven (gate-rules.test.ts).
//
// Order (docs/access.md): reason (R16.3) → role permission (R16.2) → token scope (R16.2) → per-camera grant for every
// camera (R16.2) → personnel gates for video roles: vetting, confidentiality, training (R16.1) → contractor agreement
// in force (R15.2, R19). The order is part of the contract: the cheapest and most general refusal is reported first.
import type { AccessErrorCode } from './errors.js';
import type { GateRequest } from './grant.js';
import {
  hasPermission,
  permissionForVideo,
  VIDEO_ROLES,
  type CameraAction,
  type Permission,
  type Role,
  type VideoAction,
} from './roles.js';

export interface Refusal {
  code: AccessErrorCode;
  message: string;
  article?: string;
}

export type GrantScope = { kind: 'camera'; cameraId: string } | { kind: 'group'; groupId: string } | { kind: 'all' };

export interface GrantRule {
  scope: GrantScope;
  actions: readonly CameraAction[];
}

export interface PersonnelFacts {
  vettedMs: number | null;
  confidentialitySignedMs: number | null;
  trainings: readonly { course: string; completedMs: number; validUntilMs: number }[];
  agreements: readonly { company: string; startMs: number; endMs: number }[];
}

export interface GateFacts {
  reasonCategories: readonly string[];
  nowMs: number;
  /** The subject's grants and the members of every group they name. */
  grants: readonly GrantRule[];
  groupMembers: ReadonlyMap<string, ReadonlySet<string>>;
  personnel: PersonnelFacts;
}

export const REASON_MIN_CHARS = 2;

/** The per-camera action a video action needs: a download is an export of the same footage. */
export function cameraActionFor(action: VideoAction): CameraAction {
  return action === 'download' ? 'export' : action;
}

/** The permission a camera action needs of the subject's roles. */
export function permissionForCameraAction(action: CameraAction): Permission {
  return action === 'configure' ? 'camera.configure' : (`video.${action}` as Permission);
}

/** The UTC calendar date of `ms`, for messages ("expired on 2026-10-01"). */
export function dateOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The cameras `grants` allow `action` on: 'all', or the set of camera ids (through camera and group grants). */
export function grantedCameras(
  grants: readonly GrantRule[],
  groupMembers: ReadonlyMap<string, ReadonlySet<string>>,
  action: CameraAction,
): 'all' | Set<string> {
  const cameras = new Set<string>();
  for (const grant of grants) {
    if (!grant.actions.includes(action)) continue;
    if (grant.scope.kind === 'all') return 'all';
    if (grant.scope.kind === 'camera') cameras.add(grant.scope.cameraId);
    else for (const id of groupMembers.get(grant.scope.groupId) ?? []) cameras.add(id);
  }
  return cameras;
}

/** The personnel gates `roles` must pass, in order; empty when none fails (R16.1, R15.2, R19). */
export function personnelRefusals(roles: readonly Role[], facts: PersonnelFacts, nowMs: number): Refusal[] {
  const refusals: Refusal[] = [];
  if (!roles.some((r) => VIDEO_ROLES.includes(r))) return refusals;
  if (facts.vettedMs === null || facts.vettedMs > nowMs) {
    refusals.push({
      code: 'vetting_missing',
      message: 'no background vetting is recorded for this account; a security admin must record it before video can be viewed (R16.1)',
      article: 'R16.1',
    });
  }
  if (facts.confidentialitySignedMs === null || facts.confidentialitySignedMs > nowMs) {
    refusals.push({
      code: 'confidentiality_missing',
      message: 'no signed confidentiality agreement is recorded for this account; a security admin must record it before video can be viewed (R16.1)',
      article: 'R16.1',
    });
  }
  const completed = facts.trainings.filter((t) => t.completedMs <= nowMs);
  if (completed.length === 0) {
    refusals.push({
      code: 'training_missing',
      message: 'no completed confidentiality and operation training is recorded for this account; complete it and have a security admin record it (R16.1)',
      article: 'R16.1',
    });
  } else if (!completed.some((t) => t.validUntilMs >= nowMs)) {
    const latest = completed.reduce((a, b) => (b.validUntilMs > a.validUntilMs ? b : a));
    refusals.push({
      code: 'training_overdue',
      message: `training '${latest.course}' expired on ${dateOf(latest.validUntilMs)}; renew it (R16.1)`,
      article: 'R16.1',
    });
  }
  if (roles.includes('contractor')) {
    const refusal = agreementRefusal(facts.agreements, nowMs);
    if (refusal) refusals.push(refusal);
  }
  return refusals;
}

function agreementRefusal(agreements: PersonnelFacts['agreements'], nowMs: number): Refusal | null {
  if (agreements.some((a) => a.startMs <= nowMs && nowMs <= a.endMs)) return null;
  if (agreements.length === 0) {
    return {
      code: 'agreement_missing',
      message: 'contractor accounts need a security and confidentiality agreement on record; a security admin must record it (R15.2)',
      article: 'R15.2',
    };
  }
  const upcoming = agreements.filter((a) => a.startMs > nowMs).sort((a, b) => a.startMs - b.startMs)[0];
  if (upcoming) {
    return {
      code: 'agreement_not_started',
      message: `the agreement with ${upcoming.company} starts on ${dateOf(upcoming.startMs)}; contractor access begins then (R19)`,
      article: 'R19',
    };
  }
  const last = agreements.reduce((a, b) => (b.endMs > a.endMs ? b : a));
  return {
    code: 'agreement_expired',
    message: `the agreement with ${last.company} ended on ${dateOf(last.endMs)}; contractor access ends with it until a new agreement is recorded (R19)`,
    article: 'R19',
  };
}

/** The first refusal of `req`, in the gate's order, or null when the gate may open. */
export function decideAccess(req: GateRequest, facts: GateFacts): Refusal | null {
  const reason = req.reason;
  if (
    !reason ||
    !facts.reasonCategories.includes(reason.category) ||
    typeof reason.text !== 'string' ||
    reason.text.trim().length < REASON_MIN_CHARS
  ) {
    return {
      code: 'reason_required',
      message: `state why you need this video: pick a reason category (${facts.reasonCategories.join(', ')}) and write at least ${REASON_MIN_CHARS} characters (R16.3)`,
      article: 'R16.3',
    };
  }
  const { subject, action } = req;
  const permission = permissionForVideo(action);
  if (!hasPermission(subject.roles, permission)) {
    return {
      code: 'forbidden',
      message: `your roles (${subject.roles.join(', ') || 'none'}) do not allow ${permission} (R16.2)`,
      article: 'R16.2',
    };
  }
  if (subject.via === 'token' && !(subject.tokenScopes ?? []).includes(permission)) {
    return {
      code: 'forbidden',
      message: `this API token is not scoped for ${permission}; create a token with that scope (R16.2)`,
      article: 'R16.2',
    };
  }
  const cameraAction = cameraActionFor(action);
  const granted = grantedCameras(facts.grants, facts.groupMembers, cameraAction);
  const cameraIds = req.target.cameraIds;
  const missing = granted === 'all' ? [] : cameraIds.filter((id) => !granted.has(id));
  if (cameraIds.length === 0 || missing.length > 0) {
    return {
      code: 'camera_not_granted',
      message:
        cameraIds.length === 0
          ? 'the request names no camera (R16.2)'
          : `you have no '${cameraAction}' grant for camera ${missing.join(', ')}; ask a security admin for one (R16.2)`,
      article: 'R16.2',
    };
  }
  return personnelRefusals(subject.roles, facts.personnel, facts.nowMs)[0] ?? null;
}
