// Property tests of the planner's contract (R17, D22(3)): for random segments, policies (lawful or not), holds,
// clocks and store pressure, the invariants of planDeletions hold. The oracles below are written independently of
// the planner (plain arithmetic on the inputs), except policy resolution, which has its own table tests.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  effectiveRetentionDays,
  planDeletions,
  policyProblems,
  resolvePolicy,
  type LegalHold,
  type RetentionPolicy,
  type SegmentForRetention,
  type StorePressure,
} from './index.js';

const RUNS = 3000;
const CAMERAS = ['c0', 'c1', 'c2', 'c3'];
const FLOOR_MS = 30 * DAY_MS;

const camera = fc.constantFrom(...CAMERAS);
const nowArb = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) });

/** Segments as ages relative to now, so that every interesting boundary (30 d, ceilings, holds) is reachable. */
const segmentSpecs = fc.array(
  fc.record({
    id: fc.integer({ min: 0, max: 60 }), // a small range: duplicate ids occur now and then
    cameraId: camera,
    endAgeMs: fc.oneof(
      fc.integer({ min: -2 * DAY_MS, max: 400 * DAY_MS }),
      fc.integer({ min: FLOOR_MS - 2, max: FLOOR_MS + 2 }),
      fc.constantFrom(...[30, 60, 90, 180].map((days) => days * DAY_MS)),
    ),
    durationMs: fc.integer({ min: 0, max: 15 * 60_000 }),
    sizeBytes: fc.integer({ min: 0, max: 5_000_000 }),
  }),
  { maxLength: 30 },
);

const days = fc.oneof(fc.integer({ min: 1, max: 400 }), fc.constantFrom(29, 30, 31, 90, 180));
const policyArb = fc.record({
  id: fc.constant(''),
  scope: fc.oneof(
    fc.record({ kind: fc.constant('camera' as const), cameraId: camera }),
    fc.record({
      kind: fc.constant('group' as const),
      groupId: fc.constantFrom('g1', 'g2'),
      memberCameraIds: fc.subarray(CAMERAS),
    }),
    fc.constant({ kind: 'default' as const }),
  ),
  retentionDays: days,
  sectorOverride: fc.option(
    fc.record({ sector: fc.constant('bank'), retentionDays: days, legalBasis: fc.constantFrom('banking rules', '') }),
  ),
  ceilingDays: fc.option(days),
  deleteAfterPurposeServed: fc.boolean(),
}) satisfies fc.Arbitrary<RetentionPolicy>;

/** An instant relative to now: mostly in the past, where the footage is, with exact hits on now itself. */
const relative = fc.oneof(fc.integer({ min: -400 * DAY_MS, max: 10 * DAY_MS }), fc.integer({ min: -1, max: 1 }));
const holdSpecs = fc.array(
  fc.record({
    cameraIds: fc.subarray(CAMERAS),
    fromOffsetMs: relative,
    lengthMs: fc.integer({ min: 0, max: 60 * DAY_MS }),
    /** When set, the hold starts exactly where a segment ends: exercises the inclusive boundary. */
    anchorSegment: fc.option(fc.nat()),
    expiresInMs: fc.option(relative),
    liftedInMs: fc.option(relative),
  }),
  { maxLength: 4 },
);
const pressureSpec = fc.option(
  fc.record({ freeBytes: fc.integer({ min: 0, max: 20_000_000 }), minFreeBytes: fc.integer({ min: 0, max: 40_000_000 }) }),
);

interface World {
  segments: SegmentForRetention[];
  policies: RetentionPolicy[];
  holds: LegalHold[];
  nowMs: number;
  pressure: StorePressure;
}

const world: fc.Arbitrary<World> = fc
  .record({
    nowMs: nowArb,
    segments: segmentSpecs,
    policies: fc.array(policyArb, { maxLength: 5 }),
    holds: holdSpecs,
    pressure: pressureSpec,
  })
  .map(({ nowMs, segments, policies, holds, pressure }) => ({
    nowMs,
    // Policy ids are unique in the store (primary key); resolution breaks ties by id.
    policies: policies.map((policy, index) => ({ ...policy, id: `p${index}` })),
    pressure,
    segments: segments.map((s) => ({
      id: s.id,
      cameraId: s.cameraId,
      startMs: nowMs - s.endAgeMs - s.durationMs,
      endMs: nowMs - s.endAgeMs,
      sizeBytes: s.sizeBytes,
    })),
    holds: holds.map((h, index): LegalHold => {
      const anchor = h.anchorSegment === null ? undefined : segments[h.anchorSegment % Math.max(1, segments.length)];
      const fromMs = anchor ? nowMs - anchor.endAgeMs : nowMs + h.fromOffsetMs;
      return {
        id: `h${index}`,
        cameraIds: h.cameraIds,
        fromMs,
        toMs: fromMs + h.lengthMs,
        reason: 'investigation',
        legalBasis: 'court order',
        requester: 'officer',
        expiresMs: h.expiresInMs === null ? null : nowMs + h.expiresInMs,
        liftedMs: h.liftedInMs === null ? null : nowMs + h.liftedInMs,
      };
    }),
  }));

// Independent oracles.
const ageMs = (w: World, s: SegmentForRetention): number => w.nowMs - s.endMs;
const heldIn = (w: World, s: SegmentForRetention): boolean =>
  w.holds.some(
    (h) =>
      (h.liftedMs === null || h.liftedMs > w.nowMs) &&
      (h.expiresMs === null || h.expiresMs > w.nowMs) &&
      h.cameraIds.includes(s.cameraId) &&
      s.startMs <= h.toMs &&
      s.endMs >= h.fromMs,
  );
const uniqueIn = (w: World, s: SegmentForRetention): boolean => w.segments.filter((x) => x.id === s.id).length === 1;
const lawfulPolicyOf = (w: World, s: SegmentForRetention): RetentionPolicy | null => {
  const policy = resolvePolicy(s.cameraId, w.policies);
  return policy && policyProblems(policy).length === 0 ? policy : null;
};
const planOf = (w: World, pressure: StorePressure = w.pressure) =>
  planDeletions(w.segments, w.policies, w.holds, w.nowMs, pressure);
const segmentOf = (w: World, id: number | string): SegmentForRetention => {
  const found = w.segments.find((s) => s.id === id);
  if (!found) throw new Error(`planned an unknown segment ${String(id)}`);
  return found;
};

describe('planDeletions properties (R17, D22(3))', () => {
  it('never plans a segment under the 30-day floor or under its policy’s retention', () => {
    fc.assert(
      fc.property(world, (w) => {
        for (const planned of planOf(w).delete) {
          const segment = segmentOf(w, planned.segmentId);
          expect(ageMs(w, segment)).toBeGreaterThanOrEqual(FLOOR_MS);
          const policy = resolvePolicy(segment.cameraId, w.policies);
          expect(policy).not.toBeNull();
          expect(planned.policyId).toBe(policy?.id);
          expect(ageMs(w, segment)).toBeGreaterThanOrEqual(effectiveRetentionDays(policy as RetentionPolicy) * DAY_MS);
          expect(policyProblems(policy as RetentionPolicy)).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never plans a segment overlapping an active hold on its camera', () => {
    fc.assert(
      fc.property(world, (w) => {
        for (const planned of planOf(w).delete) expect(heldIn(w, segmentOf(w, planned.segmentId))).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('plans everything past its ceiling, or past retention when the purpose is served, that is not held', () => {
    fc.assert(
      fc.property(world, (w) => {
        const plan = planOf(w);
        for (const segment of w.segments) {
          const policy = lawfulPolicyOf(w, segment);
          if (!policy || heldIn(w, segment) || !uniqueIn(w, segment)) continue;
          const planned = plan.delete.find((d) => d.segmentId === segment.id);
          const pastCeiling = policy.ceilingDays != null && ageMs(w, segment) >= policy.ceilingDays * DAY_MS;
          const pastRetention = ageMs(w, segment) >= effectiveRetentionDays(policy) * DAY_MS;
          if (pastCeiling) expect(planned?.reason).toBe('past_ceiling');
          else if (pastRetention && policy.deleteAfterPurposeServed) expect(planned?.reason).toBe('past_retention');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('store pressure only adds segments the plain plan keeps past retention, and stops once space suffices', () => {
    fc.assert(
      fc.property(world, (w) => {
        const plain = planOf(w, null);
        const pressed = planOf(w);
        const plainIds = new Set(plain.delete.map((d) => d.segmentId));
        expect(pressed.delete.slice(0, plain.delete.length)).toEqual(plain.delete);
        const extra = pressed.delete.slice(plain.delete.length);
        for (const planned of extra) {
          expect(planned.reason).toBe('store_pressure');
          expect(plainIds.has(planned.segmentId)).toBe(false);
          const segment = segmentOf(w, planned.segmentId);
          const policy = lawfulPolicyOf(w, segment);
          expect(policy?.deleteAfterPurposeServed).toBe(false);
          expect(ageMs(w, segment)).toBeGreaterThanOrEqual(effectiveRetentionDays(policy as RetentionPolicy) * DAY_MS);
          expect(heldIn(w, segment)).toBe(false);
        }
        if (!w.pressure) {
          expect(extra).toEqual([]);
          return;
        }
        // Minimal: before the last pressure deletion, the store still lacked space.
        const bytes = (list: typeof extra) => list.reduce((sum, d) => sum + d.bytes, 0);
        const needed = w.pressure.minFreeBytes - w.pressure.freeBytes;
        if (extra.length > 0) expect(bytes(pressed.delete.slice(0, -1))).toBeLessThan(needed);
        const full = pressed.alerts.some((a) => a.kind === 'store_full_under_floor');
        expect(full).toBe(bytes(pressed.delete) < needed);
        expect(plain.alerts.some((a) => a.kind === 'store_full_under_floor')).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('lists each segment at most once and accounts for every segment exactly once', () => {
    fc.assert(
      fc.property(world, (w) => {
        const plan = planOf(w);
        const ids = plan.delete.map((d) => d.segmentId);
        expect(new Set(ids).size).toBe(ids.length);
        const kept = Object.values(plan.kept).reduce((sum, n) => sum + n, 0);
        expect(plan.delete.length + kept).toBe(w.segments.length);
        for (const n of Object.values(plan.kept)) expect(n).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('does not depend on the order of segments, policies or holds', () => {
    fc.assert(
      fc.property(world, fc.integer(), (w, seed) => {
        const shuffle = <T>(list: T[]): T[] =>
          list
            .map((item, i) => ({ item, key: Math.imul(i + 1, seed | 1) ^ (seed >>> 3) }))
            .sort((a, b) => a.key - b.key)
            .map(({ item }) => item);
        const shuffled = { ...w, segments: shuffle(w.segments), policies: shuffle(w.policies), holds: shuffle(w.holds) };
        const key = (d: { segmentId: number | string; reason: string; policyId: string }) =>
          `${String(d.segmentId)}/${d.reason}/${d.policyId}`;
        expect(planOf(shuffled).delete.map(key).sort()).toEqual(planOf(w).delete.map(key).sort());
        expect(planOf(shuffled).kept).toEqual(planOf(w).kept);
      }),
      { numRuns: RUNS },
    );
  });
});
