import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCapacity, type CapacityInput } from './index.js';

const GB = 1_000_000_000;
/** 4 Mbit/s is 43.2 GB a day. */
const FOUR_MBPS = 4_000_000;
const DAY_AT_4MBPS = 43.2 * GB;

function input(change: Partial<CapacityInput> = {}): CapacityInput {
  return {
    cameras: [{ cameraId: 'cam-1', bitrateBps: FOUR_MBPS, retentionDays: 30 }],
    freeBytes: 1000 * GB,
    usedBytes: 1000 * GB,
    totalBytes: 2000 * GB,
    ...change,
  };
}

describe('planCapacity (R17, D22(3))', () => {
  it('sizes each camera and the store', () => {
    const plan = planCapacity(
      input({
        cameras: [
          { cameraId: 'cam-1', bitrateBps: FOUR_MBPS, retentionDays: 30 },
          { cameraId: 'cam-2', bitrateBps: FOUR_MBPS, retentionDays: 90 },
        ],
        totalBytes: 6000 * GB,
        freeBytes: 5000 * GB,
      }),
    );
    expect(plan.perCamera[0]).toMatchObject({ bytesPerDay: DAY_AT_4MBPS, bytesForRetention: 30 * DAY_AT_4MBPS });
    expect(plan.perCamera[1]).toMatchObject({ retentionDays: 90, bytesForFloor: 30 * DAY_AT_4MBPS });
    expect(plan.bytesPerDay).toBeCloseTo(2 * DAY_AT_4MBPS);
    expect(plan.bytesForRetention).toBeCloseTo(120 * DAY_AT_4MBPS);
    expect(plan.headroomDays).toBeCloseTo(5000 / 86.4);
    expect(plan.capacityDays).toBeCloseTo(6000 / 86.4);
    expect(plan.warnings).toEqual([]);
  });

  it.each<[string, Partial<CapacityInput>, string[]]>([
    ['30 days fit with room to spare', {}, []],
    ['exactly 30 days fit', { totalBytes: 30 * DAY_AT_4MBPS, freeBytes: 30 * DAY_AT_4MBPS }, []],
    ['30 days do not fit', { totalBytes: 29 * DAY_AT_4MBPS, freeBytes: 29 * DAY_AT_4MBPS }, ['floor_at_risk']],
    [
      'the reserve pushes the floor out of reach',
      { totalBytes: 30 * DAY_AT_4MBPS, freeBytes: 30 * DAY_AT_4MBPS, reserveBytes: GB },
      ['floor_at_risk'],
    ],
    [
      '90-day policy does not fit, the floor does',
      { cameras: [{ cameraId: 'cam-1', bitrateBps: FOUR_MBPS, retentionDays: 90 }], totalBytes: 60 * DAY_AT_4MBPS },
      ['retention_exceeds_capacity'],
    ],
    ['6 days of headroom', { freeBytes: 6 * DAY_AT_4MBPS }, ['low_headroom']],
    ['headroom threshold is configurable', { freeBytes: 6 * DAY_AT_4MBPS, lowHeadroomDays: 5 }, []],
    [
      'full store under the floor',
      { totalBytes: 20 * DAY_AT_4MBPS, freeBytes: 0, usedBytes: 20 * DAY_AT_4MBPS },
      ['floor_at_risk', 'low_headroom'],
    ],
    [
      'an unmeasured camera is flagged',
      { cameras: [{ cameraId: 'cam-x', bitrateBps: Number.NaN, retentionDays: 30 }] },
      ['invalid_measurement'],
    ],
    ['no cameras: infinite headroom', { cameras: [] }, []],
  ])('%s → %j', (_name, change, kinds) => {
    const plan = planCapacity(input(change));
    expect(plan.warnings.map((w) => w.kind)).toEqual(kinds);
    for (const warning of plan.warnings) expect(warning.article).toBe('R17');
  });

  it('plans a retention under the floor at the floor (R17)', () => {
    const plan = planCapacity(input({ cameras: [{ cameraId: 'c', bitrateBps: FOUR_MBPS, retentionDays: 7 }] }));
    expect(plan.perCamera[0]?.retentionDays).toBe(30);
    expect(plan.bytesForRetention).toBeCloseTo(30 * DAY_AT_4MBPS);
  });

  it('property: floor_at_risk exactly when 30 days of every camera exceed the usable bytes', () => {
    const camera = fc.record({
      cameraId: fc.string(),
      bitrateBps: fc.integer({ min: 0, max: 50_000_000 }),
      retentionDays: fc.integer({ min: 1, max: 400 }),
    });
    fc.assert(
      fc.property(
        fc.array(camera, { maxLength: 20 }),
        fc.integer({ min: 0, max: 2 ** 50 }),
        fc.integer({ min: 0, max: 2 ** 50 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (cameras, totalBytes, freeBytes, reserveBytes) => {
          const plan = planCapacity({ cameras, totalBytes, freeBytes, usedBytes: 0, reserveBytes });
          // Integer bitrates keep every product exact below 2^53, so the comparison needs no tolerance.
          const floorBytes = cameras.reduce((sum, c) => sum + (c.bitrateBps / 8) * 86_400 * 30, 0);
          const atRisk = plan.warnings.some((w) => w.kind === 'floor_at_risk');
          expect(atRisk).toBe(floorBytes > Math.max(0, totalBytes - reserveBytes));
          expect(plan.bytesForRetention).toBeGreaterThanOrEqual(plan.bytesForFloor);
          expect(plan.headroomDays).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
