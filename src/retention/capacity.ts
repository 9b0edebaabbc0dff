// Capacity (R17, D22(3)): from the bitrates measured in the recording index and the cameras' effective retention,
// planCapacity sizes the store — bytes needed for the retention period vs free space, days of headroom — and warns
// *before* the 30-day floor is at risk (a full store under the floor stops recording; the law forbids deleting).
import { planCapacity, type CapacityPlan } from '../domain/index.js';
import type { Ctx } from './events.js';
import { retentionDaysByCamera } from './policies.js';

export interface CapacityReport extends CapacityPlan {
  store: string;
  measuredOverDays: number;
  freeBytes: number;
  usedBytes: number;
  totalBytes: number;
  reserveBytes: number;
  cameras: { cameraId: string; bitrateBps: number; retentionDays: number }[];
}

const DAY_MS = 86_400_000;

export async function capacityReport(ctx: Ctx): Promise<CapacityReport> {
  const windowDays = ctx.deps.rateWindowDays ?? 7;
  const now = ctx.deps.now();
  const rates = await ctx.deps.index.recordedRates(now - windowDays * DAY_MS);
  // Cameras registered but not (yet) recorded count with 0 bps; recorded cameras since removed still fill the store.
  const ids = [...new Set([...(await ctx.deps.cameras.cameraIds()), ...rates.map((r) => r.camera_id)])].sort();
  const days = await retentionDaysByCamera(ctx, ids);
  const rateOf = new Map(rates.map((r) => [r.camera_id, r.ms > 0 ? (r.bytes * 8) / (r.ms / 1000) : 0]));
  const cameras = ids.map((cameraId) => ({ cameraId, bitrateBps: rateOf.get(cameraId) ?? 0, retentionDays: days.get(cameraId) ?? 30 }));
  const [freeBytes, totalBytes, usedBytes] = await Promise.all([ctx.deps.files.freeBytes(), ctx.deps.files.totalBytes(), ctx.deps.index.storedBytes()]);
  const plan = planCapacity({
    cameras, freeBytes, usedBytes, totalBytes, reserveBytes: ctx.deps.reserveBytes,
    ...(ctx.deps.lowHeadroomDays === undefined ? {} : { lowHeadroomDays: ctx.deps.lowHeadroomDays }),
  });
  return { store: 'local', measuredOverDays: windowDays, freeBytes, usedBytes, totalBytes, reserveBytes: ctx.deps.reserveBytes, cameras, ...plan };
}
