import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  isHoldActive,
  planDeletions,
  type LegalHold,
  type RetentionPolicy,
  type SegmentForRetention,
  type StorePressure,
} from './index.js';

const NOW = Date.UTC(2026, 5, 1);
const MINUTE = 60_000;

/** A one-minute segment that ended `daysAgo` days (plus `extraMs`) before NOW. */
function seg(id: number, daysAgo: number, extra: Partial<SegmentForRetention> = {}, extraMs = 0): SegmentForRetention {
  const endMs = NOW - daysAgo * DAY_MS - extraMs;
  return { id, cameraId: 'cam-1', startMs: endMs - MINUTE, endMs, sizeBytes: 1000, ...extra };
}

const purge30: RetentionPolicy = { id: 'd30', scope: { kind: 'default' }, retentionDays: 30, deleteAfterPurposeServed: true };

function hold(change: Partial<LegalHold> = {}): LegalHold {
  return {
    id: 'h1',
    cameraIds: ['cam-1'],
    fromMs: NOW - 40 * DAY_MS,
    toMs: NOW - 35 * DAY_MS,
    reason: 'theft investigation',
    legalBasis: 'Criminal Procedure Law art. 54',
    requester: 'officer-7',
    expiresMs: null,
    liftedMs: null,
    ...change,
  };
}

function plannedIds(
  segments: SegmentForRetention[],
  policies: RetentionPolicy[] = [purge30],
  holds: LegalHold[] = [],
  pressure: StorePressure = null,
): (number | string)[] {
  return planDeletions(segments, policies, holds, NOW, pressure).delete.map((d) => d.segmentId);
}

describe('planDeletions: the floor (R17), measured from the segment end', () => {
  it.each<[string, SegmentForRetention, boolean]>([
    ['ended exactly 30 days ago → deletable', seg(1, 30), true],
    ['ended 30 days minus 1 ms ago → kept', seg(1, 30, {}, -1), false],
    ['ended 30 days plus 1 ms ago → deletable', seg(1, 30, {}, 1), true],
    [
      'straddles the floor (started 30 d + 30 s ago, ended 30 d − 30 s ago) → kept',
      seg(1, 30, { startMs: NOW - 30 * DAY_MS - 30_000, endMs: NOW - 30 * DAY_MS + 30_000 }),
      false,
    ],
    ['ended yesterday → kept', seg(1, 1), false],
    ['ends in the future (clock skew) → kept', seg(1, -1), false],
    ['NaN end → kept', seg(1, 40, { endMs: Number.NaN }), false],
  ])('%s', (_name, segment, deleted) => {
    expect(plannedIds([segment])).toEqual(deleted ? [1] : []);
  });

  it('a policy under the floor that slipped past validation still cannot delete under 30 days', () => {
    const bad = { ...purge30, retentionDays: 7 };
    const plan = planDeletions([seg(1, 10), seg(2, 31)], [bad], [], NOW, null);
    expect(plan.delete).toEqual([]);
    expect(plan.kept).toMatchObject({ underFloor: 1, invalidPolicy: 1 });
    expect(plan.alerts).toMatchObject([{ kind: 'invalid_policy', policyId: 'd30', article: 'R17' }]);
  });
});

describe('planDeletions: retention, purpose and ceiling', () => {
  const bank: RetentionPolicy = {
    ...purge30,
    id: 'bank',
    sectorOverride: { sector: 'bank', retentionDays: 90, legalBasis: 'banking rules' },
  };
  const keepTill180: RetentionPolicy = { ...purge30, id: 'k180', deleteAfterPurposeServed: false, ceilingDays: 180 };

  it.each<[string, RetentionPolicy, number, string | null]>([
    ['30-day purge at 31 days', purge30, 31, 'past_retention'],
    ['bank override keeps 89 days', bank, 89, null],
    ['bank override deletes at 90 days', bank, 90, 'past_retention'],
    ['purpose kept: 100 days is under the 180-day ceiling', keepTill180, 100, null],
    ['ceiling reached exactly at 180 days', keepTill180, 180, 'past_ceiling'],
    ['past the ceiling', keepTill180, 400, 'past_ceiling'],
    ['purge policy with a ceiling: past the ceiling names the ceiling', { ...purge30, ceilingDays: 60 }, 61, 'past_ceiling'],
    ['ceiling equal to retention', { ...purge30, ceilingDays: 30, deleteAfterPurposeServed: false }, 30, 'past_ceiling'],
  ])('%s', (_name, policy, daysAgo, reason) => {
    const plan = planDeletions([seg(1, daysAgo)], [policy], [], NOW, null);
    expect(plan.delete.map((d) => d.reason)).toEqual(reason ? [reason] : []);
    if (reason) expect(plan.delete[0]).toEqual({ segmentId: 1, cameraId: 'cam-1', reason, policyId: policy.id, bytes: 1000 });
  });

  it('counts why each segment was kept', () => {
    const segments = [seg(1, 1), seg(2, 50), seg(3, 95), seg(4, 100, { cameraId: 'cam-2' }), seg(5, 20, { cameraId: 'x' })];
    const cam2: RetentionPolicy = { ...keepTill180, scope: { kind: 'camera', cameraId: 'cam-2' } };
    const cam1: RetentionPolicy = { ...bank, scope: { kind: 'camera', cameraId: 'cam-1' } };
    const plan = planDeletions(segments, [cam1, cam2], [], NOW, null);
    expect(plan.delete.map((d) => d.segmentId)).toEqual([3]);
    expect(plan.kept).toEqual({
      underFloor: 2,
      onHold: 0,
      underRetention: 1,
      awaitingCeiling: 1,
      noPolicy: 0,
      invalidPolicy: 0,
      duplicateId: 0,
    });
  });

  it('keeps footage of a camera without any policy, and says so once', () => {
    const plan = planDeletions([seg(1, 40), seg(2, 50)], [], [], NOW, null);
    expect(plan.delete).toEqual([]);
    expect(plan.kept.noPolicy).toBe(2);
    expect(plan.alerts).toMatchObject([{ kind: 'camera_without_policy', cameraId: 'cam-1' }]);
  });

  it('keeps every copy of a duplicated segment id and alerts', () => {
    const plan = planDeletions([seg(1, 40), seg(1, 41), seg(2, 40)], [purge30], [], NOW, null);
    expect(plan.delete.map((d) => d.segmentId)).toEqual([2]);
    expect(plan.kept.duplicateId).toBe(2);
    expect(plan.alerts).toMatchObject([{ kind: 'duplicate_segment_id', segmentId: 1 }]);
  });

  it('resolves group policies: the longest retention among the camera’s groups', () => {
    const short: RetentionPolicy = {
      ...purge30,
      id: 'short',
      scope: { kind: 'group', groupId: 'a', memberCameraIds: ['cam-1'] },
    };
    const long: RetentionPolicy = {
      ...purge30,
      id: 'long',
      retentionDays: 60,
      scope: { kind: 'group', groupId: 'b', memberCameraIds: ['cam-1'] },
    };
    const plan = planDeletions([seg(1, 45), seg(2, 61)], [purge30, short, long], [], NOW, null);
    expect(plan.delete).toMatchObject([{ segmentId: 2, policyId: 'long' }]);
  });
});

describe('planDeletions: legal holds', () => {
  const old = (id: number, endMs: number, cameraId = 'cam-1'): SegmentForRetention => ({
    id,
    cameraId,
    startMs: endMs - MINUTE,
    endMs,
    sizeBytes: 1000,
  });
  const h = hold();

  it.each<[string, SegmentForRetention, LegalHold, boolean]>([
    ['inside the held range', old(1, h.fromMs + DAY_MS), h, true],
    ['ends exactly at the hold start (touching counts)', old(1, h.fromMs), h, true],
    ['starts exactly at the hold end (touching counts)', old(1, h.toMs + MINUTE), h, true],
    ['ends 1 ms before the hold start', old(1, h.fromMs - 1), h, false],
    ['starts 1 ms after the hold end', old(1, h.toMs + MINUTE + 1), h, false],
    ['another camera', old(1, h.fromMs + DAY_MS, 'cam-2'), h, false],
    ['expired hold', old(1, h.fromMs + DAY_MS), hold({ expiresMs: NOW - 1 }), false],
    ['hold expiring exactly now has expired', old(1, h.fromMs + DAY_MS), hold({ expiresMs: NOW }), false],
    ['hold expiring later', old(1, h.fromMs + DAY_MS), hold({ expiresMs: NOW + 1 }), true],
    ['lifted hold', old(1, h.fromMs + DAY_MS), hold({ liftedMs: NOW - DAY_MS }), false],
    ['hold lifted exactly now is lifted', old(1, h.fromMs + DAY_MS), hold({ liftedMs: NOW }), false],
    ['hold lifted only after now (plan as of now)', old(1, h.fromMs + DAY_MS), hold({ liftedMs: NOW + 1 }), true],
    ['hold with an unknown expiry stays active', old(1, h.fromMs + DAY_MS), hold({ expiresMs: Number.NaN }), true],
  ])('%s → held: %s', (_name, segment, legalHold, held) => {
    const plan = planDeletions([segment], [purge30], [legalHold], NOW, null);
    expect(plan.delete.length).toBe(held ? 0 : 1);
    expect(plan.kept.onHold).toBe(held ? 1 : 0);
  });

  it('a hold beats the ceiling and store pressure', () => {
    const capped: RetentionPolicy = { ...purge30, ceilingDays: 31, deleteAfterPurposeServed: false };
    const plan = planDeletions([old(1, h.fromMs + DAY_MS)], [capped], [h], NOW, { freeBytes: 0, minFreeBytes: 10 });
    expect(plan.delete).toEqual([]);
    expect(plan.alerts).toMatchObject([{ kind: 'store_full_under_floor', onHoldBytes: 1000, deficitBytes: 10 }]);
  });

  it('isHoldActive', () => {
    expect(isHoldActive(hold(), NOW)).toBe(true);
    expect(isHoldActive(hold({ liftedMs: NOW }), NOW)).toBe(false);
    expect(isHoldActive(hold({ expiresMs: NOW }), NOW)).toBe(false);
  });
});

describe('planDeletions: store pressure (D22(3), architecture §4.5)', () => {
  const keep: RetentionPolicy = { ...purge30, id: 'keep', deleteAfterPurposeServed: false };

  it('no pressure → nothing past retention is deleted when the purpose is kept', () => {
    expect(plannedIds([seg(1, 40)], [keep])).toEqual([]);
  });

  it('deletes only past-retention footage, oldest first, until minFreeBytes is reached', () => {
    const segments = [seg(1, 35), seg(2, 50), seg(3, 45), seg(4, 10)];
    const plan = planDeletions(segments, [keep], [], NOW, { freeBytes: 0, minFreeBytes: 1500 });
    expect(plan.delete).toMatchObject([
      { segmentId: 2, reason: 'store_pressure', policyId: 'keep' },
      { segmentId: 3, reason: 'store_pressure' },
    ]);
    expect(plan.kept).toMatchObject({ awaitingCeiling: 1, underFloor: 1 });
    expect(plan.alerts).toEqual([]);
  });

  it('counts regular deletions against the deficit first', () => {
    const plan = planDeletions([seg(1, 40), seg(2, 50)], [purge30], [], NOW, { freeBytes: 0, minFreeBytes: 1500 });
    expect(plan.delete.map((d) => d.reason)).toEqual(['past_retention', 'past_retention']);
    expect(plan.alerts).toEqual([]);
  });

  it('does nothing when there is enough free space', () => {
    expect(plannedIds([seg(1, 40)], [keep], [], { freeBytes: 10_000, minFreeBytes: 1000 })).toEqual([]);
  });

  it('alerts instead of deleting under the floor when the store is full of young footage', () => {
    const plan = planDeletions([seg(1, 5), seg(2, 29), seg(3, 31)], [keep], [], NOW, {
      freeBytes: 100,
      minFreeBytes: 5000,
    });
    expect(plan.delete.map((d) => d.segmentId)).toEqual([3]);
    expect(plan.alerts).toEqual([
      expect.objectContaining({
        kind: 'store_full_under_floor',
        severity: 'critical',
        article: 'R17',
        deficitBytes: 3900,
        underFloorBytes: 2000,
      }),
    ]);
  });

  it('counts segments the caller left out as under the floor, in the counts and the alert, and plans the same', () => {
    const listed = [seg(3, 31)];
    const pressure = { freeBytes: 100, minFreeBytes: 5000 };
    const whole = planDeletions([seg(1, 5), seg(2, 29), ...listed], [keep], [], NOW, pressure);
    const partial = planDeletions(listed, [keep], [], NOW, pressure, { count: 2, bytes: 2000 });
    expect(partial).toEqual(whole);
    expect(partial.kept.underFloor).toBe(2);
  });

  it('never deletes under a sector retention to make room', () => {
    const bank: RetentionPolicy = {
      ...keep,
      sectorOverride: { sector: 'bank', retentionDays: 90, legalBasis: 'banking rules' },
    };
    const plan = planDeletions([seg(1, 60)], [bank], [], NOW, { freeBytes: 0, minFreeBytes: 1 });
    expect(plan.delete).toEqual([]);
    expect(plan.alerts).toMatchObject([{ kind: 'store_full_under_floor', underRetentionBytes: 1000 }]);
  });
});
