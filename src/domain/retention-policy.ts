// Retention policies (R17): what a policy is, which values the law refuses, and which policy governs a camera.
// R17 (第十七条): video is kept at least 30 days; after 30 days, what has served its purpose is deleted; where another
// law or administrative regulation sets a longer period, that period applies (hence the sector override).
// Pure: no I/O, no clock.

/** R17: the legal floor. No policy, no store pressure and no operator may go under it. */
export const RETENTION_FLOOR_DAYS = 30;
export const DAY_MS = 86_400_000;

/** Which cameras a policy governs. A group scope carries its members, resolved by the caller (access/ owns groups). */
export type PolicyScope =
  | { kind: 'camera'; cameraId: string }
  | { kind: 'group'; groupId: string; memberCameraIds: readonly string[] }
  | { kind: 'default' };

/**
 * R17 last sentence: a sector law (e.g. banking rules, 90 days) may require a longer period than 30 days. The
 * override is a minimum the operator cannot lower; it must name its legal basis.
 */
export interface SectorOverride {
  sector: string;
  retentionDays: number;
  legalBasis: string;
}

export interface RetentionPolicy {
  id: string;
  scope: PolicyScope;
  /** Days footage is kept at least, measured from each segment's end. Never below RETENTION_FLOOR_DAYS (R17). */
  retentionDays: number;
  sectorOverride?: SectorOverride | null;
  /** Footage older than this many days must be deleted (unless on hold). At least the effective retention. */
  ceilingDays?: number | null;
  /** R17: once past the retention period the purpose is served and the footage is deleted. */
  deleteAfterPurposeServed: boolean;
}

export const RETENTION_POLICY_ERROR_CODES = [
  'retention_below_floor',
  'retention_not_whole_days',
  'sector_override_not_above_floor',
  'sector_override_incomplete',
  'ceiling_below_retention',
  'ceiling_not_whole_days',
  'scope_invalid',
  'policy_id_missing',
] as const;
export type RetentionPolicyErrorCode = (typeof RETENTION_POLICY_ERROR_CODES)[number];

/** A policy refused by R17. Carries the article so the operator is told which rule refused it. */
export class RetentionPolicyError extends Error {
  override readonly name = 'RetentionPolicyError';
  readonly article = 'R17' as const;

  constructor(
    readonly code: RetentionPolicyErrorCode,
    message: string,
    /** The policy field at fault. */
    readonly field: string,
  ) {
    super(message);
  }

  toJSON(): { error: RetentionPolicyErrorCode; message: string; article: 'R17'; field: string } {
    return { error: this.code, message: this.message, article: this.article, field: this.field };
  }
}

export function isRetentionPolicyError(value: unknown, code?: RetentionPolicyErrorCode): value is RetentionPolicyError {
  return value instanceof RetentionPolicyError && (code === undefined || value.code === code);
}

function isWholeDays(days: number): boolean {
  return Number.isSafeInteger(days) && days > 0;
}

/** Every problem of a policy, in field order; empty when the policy is lawful. Never throws. */
export function policyProblems(policy: RetentionPolicy): RetentionPolicyError[] {
  const problems: RetentionPolicyError[] = [];
  if (policy.id.trim() === '') problems.push(new RetentionPolicyError('policy_id_missing', 'A policy needs an id.', 'id'));
  const scope = policy.scope;
  if (scope.kind === 'camera' && scope.cameraId.trim() === '') {
    problems.push(new RetentionPolicyError('scope_invalid', 'A camera policy must name its camera.', 'scope'));
  }
  if (scope.kind === 'group' && scope.groupId.trim() === '') {
    problems.push(new RetentionPolicyError('scope_invalid', 'A group policy must name its group.', 'scope'));
  }
  if (!isWholeDays(policy.retentionDays)) {
    problems.push(
      new RetentionPolicyError('retention_not_whole_days', 'Retention must be a whole number of days.', 'retentionDays'),
    );
  } else if (policy.retentionDays < RETENTION_FLOOR_DAYS) {
    problems.push(
      new RetentionPolicyError(
        'retention_below_floor',
        `Retention of ${policy.retentionDays} days is refused: video must be kept at least ` +
          `${RETENTION_FLOOR_DAYS} days (R17). Set ${RETENTION_FLOOR_DAYS} days or more.`,
        'retentionDays',
      ),
    );
  }
  const override = policy.sectorOverride;
  if (override) {
    if (override.sector.trim() === '' || override.legalBasis.trim() === '') {
      problems.push(
        new RetentionPolicyError(
          'sector_override_incomplete',
          'A sector override must name its sector and the law that requires the longer period (R17).',
          'sectorOverride',
        ),
      );
    }
    if (!isWholeDays(override.retentionDays) || override.retentionDays <= RETENTION_FLOOR_DAYS) {
      problems.push(
        new RetentionPolicyError(
          'sector_override_not_above_floor',
          `A sector override exists only to keep footage longer than the ${RETENTION_FLOOR_DAYS}-day floor (R17); ` +
            `${String(override.retentionDays)} days is not above it.`,
          'sectorOverride.retentionDays',
        ),
      );
    }
  }
  const ceiling = policy.ceilingDays;
  if (ceiling !== undefined && ceiling !== null) {
    const retention = effectiveRetentionDays(policy);
    if (!isWholeDays(ceiling)) {
      problems.push(
        new RetentionPolicyError('ceiling_not_whole_days', 'The ceiling must be a whole number of days.', 'ceilingDays'),
      );
    } else if (ceiling < retention) {
      problems.push(
        new RetentionPolicyError(
          'ceiling_below_retention',
          `A ceiling of ${ceiling} days would delete footage before its retention of ${retention} days ends (R17).`,
          'ceilingDays',
        ),
      );
    }
  }
  return problems;
}

/** Returns the policy when it is lawful; throws the first RetentionPolicyError (article R17) otherwise. */
export function validatePolicy(policy: RetentionPolicy): RetentionPolicy {
  const [first] = policyProblems(policy);
  if (first) throw first;
  return policy;
}

/**
 * The days a policy keeps footage at least: the longest of the floor, its retention and its sector override.
 * The floor is applied here too so that even an unvalidated policy can never shorten retention (R17).
 */
export function effectiveRetentionDays(policy: RetentionPolicy): number {
  return Math.max(RETENTION_FLOOR_DAYS, policy.retentionDays, policy.sectorOverride?.retentionDays ?? 0);
}

/** The ceiling in days, or Infinity when the policy has none. */
export function ceilingDaysOf(policy: RetentionPolicy): number {
  return policy.ceilingDays ?? Infinity;
}

/**
 * Orders candidate policies of one rank: longest effective retention first, then the longest ceiling (none is the
 * longest), then the policy id, so that the choice is deterministic and always errs towards keeping footage (R17).
 */
function keepsLongerFirst(a: RetentionPolicy, b: RetentionPolicy): number {
  return (
    effectiveRetentionDays(b) - effectiveRetentionDays(a) ||
    compareCeilings(ceilingDaysOf(b), ceilingDaysOf(a)) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function compareCeilings(a: number, b: number): number {
  if (a === b) return 0;
  return a > b ? 1 : -1;
}

/**
 * The policy that governs a camera:
 *   1. a policy scoped to the camera itself;
 *   2. else the policies of the groups the camera belongs to — the one that keeps footage longest wins;
 *   3. else the default policy;
 *   4. else none (the caller keeps the footage and raises an alert).
 * Within one rank, ties are broken by keepsLongerFirst.
 */
export function resolvePolicy(cameraId: string, policies: readonly RetentionPolicy[]): RetentionPolicy | null {
  const byRank = (matches: (scope: PolicyScope) => boolean): RetentionPolicy | null => {
    const candidates = policies.filter((policy) => matches(policy.scope));
    return candidates.sort(keepsLongerFirst)[0] ?? null;
  };
  return (
    byRank((scope) => scope.kind === 'camera' && scope.cameraId === cameraId) ??
    byRank((scope) => scope.kind === 'group' && scope.memberCameraIds.includes(cameraId)) ??
    byRank((scope) => scope.kind === 'default')
  );
}
