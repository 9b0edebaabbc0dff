// The capacity planner (R17, D22(3)): from measured bitrates and retention periods, how many bytes a store needs,
// how many days of headroom it has, and warnings *before* the 30-day floor is at risk — because when the disk is
// full under the floor, the law forbids deleting to make room and recording stops (architecture §4.5).
// Pure: inputs are measurements taken elsewhere.
import { DAY_MS, RETENTION_FLOOR_DAYS } from './retention-policy.js';

/** Below this many days of headroom the planner warns (the operator needs time to add disks). */
export const DEFAULT_LOW_HEADROOM_DAYS = 7;

export interface CameraCapacityInput {
  cameraId: string;
  /** Measured average bitrate of everything recorded for the camera, bits per second. */
  bitrateBps: number;
  /** The governing policy's effective retention; raised to the floor if lower (R17). */
  retentionDays: number;
}

export interface CapacityInput {
  cameras: readonly CameraCapacityInput[];
  freeBytes: number;
  usedBytes: number;
  totalBytes: number;
  /** Bytes recording keeps free (recording.minFreeBytes); not usable for footage. Default 0. */
  reserveBytes?: number;
  lowHeadroomDays?: number;
}

export interface CameraCapacity {
  cameraId: string;
  bytesPerDay: number;
  retentionDays: number;
  /** Bytes the camera's footage occupies once a full retention period is stored. */
  bytesForRetention: number;
  /** Bytes of 30 days of the camera (R17 floor). */
  bytesForFloor: number;
}

export type CapacityWarning =
  | {
      kind: 'floor_at_risk';
      severity: 'critical';
      article: 'R17';
      message: string;
      bytesForFloor: number;
      usableBytes: number;
    }
  | {
      kind: 'retention_exceeds_capacity';
      severity: 'warning';
      article: 'R17';
      message: string;
      bytesForRetention: number;
      usableBytes: number;
    }
  | { kind: 'low_headroom'; severity: 'warning'; article: 'R17'; message: string; headroomDays: number }
  | { kind: 'invalid_measurement'; severity: 'warning'; article: 'R17'; message: string; cameraId: string };

export interface CapacityPlan {
  perCamera: CameraCapacity[];
  bytesPerDay: number;
  bytesForRetention: number;
  bytesForFloor: number;
  /** Total minus the recording reserve: what footage may occupy. */
  usableBytes: number;
  /**
   * Days of recording (all cameras) the free space above the reserve can absorb. In steady state the store holds
   * one retention period, so this is the margin beyond it. Infinity when nothing records.
   */
  headroomDays: number;
  /** Days of every camera the whole usable store can hold; compare with 30 (R17). */
  capacityDays: number;
  warnings: CapacityWarning[];
}

const BYTES_PER_DAY_PER_BPS = DAY_MS / 1000 / 8;

function nonNegative(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function perCameraCapacity(camera: CameraCapacityInput): CameraCapacity {
  const bytesPerDay = nonNegative(camera.bitrateBps) * BYTES_PER_DAY_PER_BPS;
  // R17: a retention below the floor (or unknown) is planned at the floor; the law's minimum still has to fit.
  const retentionDays = Number.isFinite(camera.retentionDays)
    ? Math.max(RETENTION_FLOOR_DAYS, camera.retentionDays)
    : RETENTION_FLOOR_DAYS;
  return {
    cameraId: camera.cameraId,
    bytesPerDay,
    retentionDays,
    bytesForRetention: bytesPerDay * retentionDays,
    bytesForFloor: bytesPerDay * RETENTION_FLOOR_DAYS,
  };
}

function daysOf(bytes: number, bytesPerDay: number): number {
  return bytesPerDay > 0 ? bytes / bytesPerDay : Infinity;
}

/** Sizes one store for its cameras. Call once per store with the cameras recording to it. */
export function planCapacity(input: CapacityInput): CapacityPlan {
  const perCamera = input.cameras.map(perCameraCapacity);
  const sum = (pick: (camera: CameraCapacity) => number): number => perCamera.reduce((t, c) => t + pick(c), 0);
  const bytesPerDay = sum((c) => c.bytesPerDay);
  const bytesForRetention = sum((c) => c.bytesForRetention);
  const bytesForFloor = sum((c) => c.bytesForFloor);
  const reserve = nonNegative(input.reserveBytes ?? 0);
  const usableBytes = Math.max(0, nonNegative(input.totalBytes) - reserve);
  const freeAboveReserve = Math.max(0, nonNegative(input.freeBytes) - reserve);
  const headroomDays = daysOf(freeAboveReserve, bytesPerDay);
  const capacityDays = daysOf(usableBytes, bytesPerDay);
  const lowHeadroomDays = input.lowHeadroomDays ?? DEFAULT_LOW_HEADROOM_DAYS;

  const warnings: CapacityWarning[] = [];
  for (const camera of input.cameras) {
    if (!(Number.isFinite(camera.bitrateBps) && camera.bitrateBps >= 0)) {
      warnings.push({
        kind: 'invalid_measurement',
        severity: 'warning',
        article: 'R17',
        message: `Camera ${camera.cameraId} has no valid measured bitrate; the plan counts it as 0 and may be short.`,
        cameraId: camera.cameraId,
      });
    }
  }
  // R17, D22(3): if 30 days of every camera do not fit, the store will fill under the floor and stop recording.
  if (bytesForFloor > usableBytes) {
    warnings.push({
      kind: 'floor_at_risk',
      severity: 'critical',
      article: 'R17',
      message:
        `The store holds ${capacityDays.toFixed(1)} days of its cameras, less than the ${RETENTION_FLOOR_DAYS}-day ` +
        `floor (R17): add storage or move cameras before recording stops.`,
      bytesForFloor,
      usableBytes,
    });
  } else if (bytesForRetention > usableBytes) {
    warnings.push({
      kind: 'retention_exceeds_capacity',
      severity: 'warning',
      article: 'R17',
      message:
        `The policies need ${bytesForRetention} bytes but the store can use ${usableBytes}; the floor fits, ` +
        `the longer retention periods do not.`,
      bytesForRetention,
      usableBytes,
    });
  }
  if (headroomDays < lowHeadroomDays) {
    warnings.push({
      kind: 'low_headroom',
      severity: 'warning',
      article: 'R17',
      message: `Free space absorbs ${headroomDays.toFixed(1)} days of recording (threshold ${lowHeadroomDays}).`,
      headroomDays,
    });
  }
  return { perCamera, bytesPerDay, bytesForRetention, bytesForFloor, usableBytes, headroomDays, capacityDays, warnings };
}
