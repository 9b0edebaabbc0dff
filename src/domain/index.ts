// domain/: the law as pure functions and types (architecture §2). No I/O, no clock: time is a parameter.
// The public API: other modules import only this file.
export {
  ceilingDaysOf,
  DAY_MS,
  effectiveRetentionDays,
  isRetentionPolicyError,
  policyProblems,
  resolvePolicy,
  RETENTION_FLOOR_DAYS,
  RETENTION_POLICY_ERROR_CODES,
  RetentionPolicyError,
  validatePolicy,
  type PolicyScope,
  type RetentionPolicy,
  type RetentionPolicyErrorCode,
  type SectorOverride,
} from './retention-policy.js';
export {
  isHoldActive,
  isPastDays,
  planDeletions,
  segmentOverlapsHold,
  type DeletionPlan,
  type DeletionReason,
  type UnlistedUnderFloor,
  type KeptCounts,
  type LegalHold,
  type PlannedDeletion,
  type RetentionAlert,
  type SegmentForRetention,
  type StorePressure,
} from './retention.js';
export {
  DEFAULT_LOW_HEADROOM_DAYS,
  planCapacity,
  type CameraCapacity,
  type CameraCapacityInput,
  type CapacityInput,
  type CapacityPlan,
  type CapacityWarning,
} from './capacity.js';
// Places, signage, filing deadlines, penalties and the compliance checks (issue 4).
export * from './places/index.js';
