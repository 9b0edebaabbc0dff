// The retention planner (R17, D22(3)): which segments may be deleted now, and why. Pure: the clock and the store's
// free space are parameters; the executor (retention/, later) deletes what this returns and nothing else.
// Rule of thumb everywhere below: when a value is unknown or malformed, keep the footage. Keeping too long is
// corrected by the next run; deleting too early cannot be undone (R17, D22(3)).
import {
  ceilingDaysOf,
  DAY_MS,
  effectiveRetentionDays,
  policyProblems,
  resolvePolicy,
  RETENTION_FLOOR_DAYS,
  type RetentionPolicy,
} from './retention-policy.js';

/** A legal hold keeps footage past every deletion, ceiling and store pressure included (R17, S). */
export interface LegalHold {
  id: string;
  cameraIds: readonly string[];
  /** Held wall-clock range, UTC ms, inclusive at both ends. */
  fromMs: number;
  toMs: number;
  reason: string;
  legalBasis: string;
  requester: string;
  /** The hold ends by itself at this instant; null = until lifted. */
  expiresMs: number | null;
  /** When the hold was lifted (four eyes, retention/); null = not lifted. */
  liftedMs: number | null;
}

/** What the planner needs of a segment row (db `segments`). */
export interface SegmentForRetention {
  id: number | string;
  cameraId: string;
  startMs: number;
  endMs: number;
  sizeBytes: number;
}

/** Free space of the store the segments live on; null when the store is not under pressure or not measured. */
export type StorePressure = { freeBytes: number; minFreeBytes: number } | null;

export type DeletionReason = 'past_retention' | 'past_ceiling' | 'store_pressure';

export interface PlannedDeletion {
  segmentId: number | string;
  cameraId: string;
  reason: DeletionReason;
  policyId: string;
  bytes: number;
}

/** Why each kept segment was kept; every input segment is in exactly one bucket or in `delete`. */
export interface KeptCounts {
  /** R17: younger than the 30-day floor, measured from the segment's end. */
  underFloor: number;
  /** On an active legal hold (and past the floor). */
  onHold: number;
  /** Past the floor but under its policy's retention (e.g. a 90-day sector override). */
  underRetention: number;
  /** Past retention, policy keeps it until the ceiling (deleteAfterPurposeServed = false). */
  awaitingCeiling: number;
  /** No policy governs the camera. */
  noPolicy: number;
  /** The governing policy is refused by validatePolicy. */
  invalidPolicy: number;
  /** The segment id appears more than once in the input: the input is inconsistent. */
  duplicateId: number;
}

export type RetentionAlert =
  | {
      kind: 'store_full_under_floor';
      severity: 'critical';
      article: 'R17';
      message: string;
      /** Bytes still missing to reach minFreeBytes after every lawful deletion. */
      deficitBytes: number;
      underFloorBytes: number;
      underRetentionBytes: number;
      onHoldBytes: number;
    }
  | { kind: 'camera_without_policy'; severity: 'warning'; article: 'R17'; message: string; cameraId: string }
  | { kind: 'invalid_policy'; severity: 'warning'; article: 'R17'; message: string; policyId: string }
  | { kind: 'duplicate_segment_id'; severity: 'warning'; article: 'R17'; message: string; segmentId: number | string };

export interface DeletionPlan {
  delete: PlannedDeletion[];
  kept: KeptCounts;
  alerts: RetentionAlert[];
}

/** Active at nowMs: neither lifted nor expired by then. An unknown (NaN) instant counts as not reached. */
export function isHoldActive(hold: LegalHold, nowMs: number): boolean {
  const lifted = hold.liftedMs !== null && hold.liftedMs <= nowMs;
  const expired = hold.expiresMs !== null && nowMs >= hold.expiresMs;
  return !lifted && !expired;
}

/** Inclusive overlap: a segment that only touches the held range is held too (a boundary frame may be evidence). */
export function segmentOverlapsHold(segment: SegmentForRetention, hold: LegalHold): boolean {
  if (!hold.cameraIds.includes(segment.cameraId)) return false;
  const disjoint = latestMs(segment) < hold.fromMs || earliestMs(segment) > hold.toMs;
  return !disjoint;
}

// A malformed row (start after end) is read in the way that keeps it longest.
function earliestMs(segment: SegmentForRetention): number {
  return Math.min(segment.startMs, segment.endMs);
}
function latestMs(segment: SegmentForRetention): number {
  return Math.max(segment.startMs, segment.endMs);
}

/** True only when the segment's end is at least `days` old at nowMs (NaN anywhere → false → kept). */
export function isPastDays(segment: SegmentForRetention, days: number, nowMs: number): boolean {
  return nowMs - latestMs(segment) >= days * DAY_MS;
}

function bytesOf(segment: SegmentForRetention): number {
  return Number.isFinite(segment.sizeBytes) && segment.sizeBytes > 0 ? segment.sizeBytes : 0;
}

/**
 * Segments the caller knows are under the floor and did not pass (the executor asks the index only for segments
 * whose start and end are both past the floor, so a store of millions is not listed whole): counted as kept.
 */
export interface UnlistedUnderFloor {
  count: number;
  bytes: number;
}

type Verdict =
  | { keep: keyof KeptCounts }
  | { deleteFor: 'past_retention' | 'past_ceiling'; policy: RetentionPolicy }
  | { keep: 'awaitingCeiling'; policy: RetentionPolicy };

/**
 * Plans the deletions of one store at nowMs.
 *
 * Contract (each is a property test in retention.property.test.ts):
 * - never plans a segment younger than the floor (30 days from its end) or than its policy's effective retention;
 * - never plans a segment overlapping an active hold on its camera;
 * - plans every segment past its policy's ceiling that is not held (reason past_ceiling);
 * - plans every segment past retention whose policy deletes once the purpose is served (reason past_retention);
 * - under store pressure, additionally plans only segments already past retention (oldest first) until
 *   minFreeBytes is reached; if that is not enough, raises `store_full_under_floor` instead of going further;
 * - lists each segment at most once; segments are counted in exactly one of `delete` or a `kept` bucket.
 */
export function planDeletions(
  segments: readonly SegmentForRetention[],
  policies: readonly RetentionPolicy[],
  holds: readonly LegalHold[],
  nowMs: number,
  storePressure: StorePressure,
  unlisted: UnlistedUnderFloor = { count: 0, bytes: 0 },
): DeletionPlan {
  const kept: KeptCounts = {
    underFloor: 0,
    onHold: 0,
    underRetention: 0,
    awaitingCeiling: 0,
    noPolicy: 0,
    invalidPolicy: 0,
    duplicateId: 0,
  };
  const keptBytes = { underFloor: 0, onHold: 0, underRetention: 0 };
  kept.underFloor += unlisted.count;
  keptBytes.underFloor += unlisted.bytes;
  const alerts: RetentionAlert[] = [];
  const planned: PlannedDeletion[] = [];
  const awaiting: { segment: SegmentForRetention; policy: RetentionPolicy }[] = [];

  const activeHolds = holds.filter((hold) => isHoldActive(hold, nowMs));
  const occurrences = countIds(segments);
  const policyOf = memoisedPolicyLookup(policies);
  const alerted = new Set<string>();
  const alertOnce = (key: string, alert: RetentionAlert): void => {
    if (alerted.has(key)) return;
    alerted.add(key);
    alerts.push(alert);
  };

  const judge = (segment: SegmentForRetention): Verdict => {
    if ((occurrences.get(segment.id) ?? 0) > 1) {
      alertOnce(`dup:${String(segment.id)}`, {
        kind: 'duplicate_segment_id',
        severity: 'warning',
        article: 'R17',
        message: `Segment ${String(segment.id)} appears more than once in the index; it is kept until that is resolved.`,
        segmentId: segment.id,
      });
      return { keep: 'duplicateId' };
    }
    // R17: the floor needs no policy; it is checked first so nothing can come before it.
    if (!isPastDays(segment, RETENTION_FLOOR_DAYS, nowMs)) return { keep: 'underFloor' };
    if (activeHolds.some((hold) => segmentOverlapsHold(segment, hold))) return { keep: 'onHold' };
    const policy = policyOf(segment.cameraId);
    if (!policy) {
      alertOnce(`nopolicy:${segment.cameraId}`, {
        kind: 'camera_without_policy',
        severity: 'warning',
        article: 'R17',
        message: `Camera ${segment.cameraId} has no retention policy (and there is no default); its footage is kept.`,
        cameraId: segment.cameraId,
      });
      return { keep: 'noPolicy' };
    }
    const [problem] = policyProblems(policy);
    if (problem) {
      alertOnce(`invalid:${policy.id}`, {
        kind: 'invalid_policy',
        severity: 'warning',
        article: 'R17',
        message: `Policy ${policy.id} is refused (${problem.message}); footage it governs is kept.`,
        policyId: policy.id,
      });
      return { keep: 'invalidPolicy' };
    }
    if (!isPastDays(segment, effectiveRetentionDays(policy), nowMs)) return { keep: 'underRetention' };
    // The ceiling is never below the retention (validated), so this is past retention too.
    if (isPastDays(segment, ceilingDaysOf(policy), nowMs)) return { deleteFor: 'past_ceiling', policy };
    if (policy.deleteAfterPurposeServed) return { deleteFor: 'past_retention', policy };
    return { keep: 'awaitingCeiling', policy };
  };

  for (const segment of segments) {
    const verdict = judge(segment);
    if ('deleteFor' in verdict) {
      planned.push(deletionOf(segment, verdict.deleteFor, verdict.policy));
      continue;
    }
    kept[verdict.keep] += 1;
    if ('policy' in verdict) awaiting.push({ segment, policy: verdict.policy });
    if (verdict.keep === 'underFloor' || verdict.keep === 'onHold' || verdict.keep === 'underRetention') {
      keptBytes[verdict.keep] += bytesOf(segment);
    }
  }

  if (storePressure) {
    const plannedBytes = planned.reduce((sum, deletion) => sum + deletion.bytes, 0);
    let deficit = storePressure.minFreeBytes - storePressure.freeBytes - plannedBytes;
    // Oldest first: what has waited longest past its purpose goes first (R17). Only past-retention footage.
    awaiting.sort((a, b) => latestMs(a.segment) - latestMs(b.segment) || compareIds(a.segment.id, b.segment.id));
    for (const { segment, policy } of awaiting) {
      if (!(deficit > 0)) break;
      planned.push(deletionOf(segment, 'store_pressure', policy));
      kept.awaitingCeiling -= 1;
      deficit -= bytesOf(segment);
    }
    // D22(3), architecture §4.5: never delete under the floor or on hold to make room; alert instead.
    if (deficit > 0) {
      alerts.unshift({
        kind: 'store_full_under_floor',
        severity: 'critical',
        article: 'R17',
        message:
          `The store needs ${String(deficit)} more free bytes, but everything left is under the ` +
          `${RETENTION_FLOOR_DAYS}-day floor, under its retention or on hold; nothing more may be deleted (R17).`,
        deficitBytes: deficit,
        underFloorBytes: keptBytes.underFloor,
        underRetentionBytes: keptBytes.underRetention,
        onHoldBytes: keptBytes.onHold,
      });
    }
  }

  return { delete: planned, kept, alerts };
}

function deletionOf(segment: SegmentForRetention, reason: DeletionReason, policy: RetentionPolicy): PlannedDeletion {
  return { segmentId: segment.id, cameraId: segment.cameraId, reason, policyId: policy.id, bytes: bytesOf(segment) };
}

function countIds(segments: readonly SegmentForRetention[]): Map<number | string, number> {
  const counts = new Map<number | string, number>();
  for (const segment of segments) counts.set(segment.id, (counts.get(segment.id) ?? 0) + 1);
  return counts;
}

function compareIds(a: number | string, b: number | string): number {
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Policy resolution is per camera; a store holds many segments of few cameras, so resolve each camera once. */
function memoisedPolicyLookup(policies: readonly RetentionPolicy[]): (cameraId: string) => RetentionPolicy | null {
  const cache = new Map<string, RetentionPolicy | null>();
  return (cameraId) => {
    if (!cache.has(cameraId)) cache.set(cameraId, resolvePolicy(cameraId, policies));
    return cache.get(cameraId) ?? null;
  };
}
