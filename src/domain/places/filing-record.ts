// The filing record (备案, R14) generated from live data, never retyped: the unit's basic information, the system's
// location, the number and type of its capture devices and the retention period. Pure: callers hand in the unit
// profile, the system, its cameras and their retention; the result is what is filed and what a later change is
// compared with (changedFilingFacts).
import type { FilingFacts } from './filing.js';
import { DEVICE_TYPES, type DeviceType } from './systems.js';
import type { Label } from './places.js';

export interface UnitProfile {
  name: string;
  /** e.g. 企业 / 事业单位 / 机关 / 社会团体 — free text as the unit describes itself (单位性质). */
  unitType: string;
  unifiedSocialCreditCode: string;
  contactPerson: string;
  contactPhone: string;
  address: string;
}

export interface FilingSystemInput {
  id: string;
  name: string;
  location: string;
  lifecycle: string;
  inUseSinceMs: number | null;
}

export interface FilingCameraInput {
  cameraId: string;
  deviceType: DeviceType;
}

export interface FilingRecord {
  system: { id: string; name: string; location: string; lifecycle: string; inUseSinceMs: number | null };
  unit: UnitProfile;
  /** The facts R14 names; compared field by field with a filed record to find changes. */
  facts: FilingFacts;
  /** One row per device type present, in DEVICE_TYPES order, with the label to print. */
  devices: { type: DeviceType; label: Label; count: number }[];
  cameraCount: number;
  /** Per camera, so a filed record shows exactly which cameras were counted. */
  cameras: { cameraId: string; deviceType: DeviceType; retentionDays: number }[];
  generatedMs: number;
}

/** R14's contact fact: the person and the phone, as one filed line. */
export function contactLine(unit: Pick<UnitProfile, 'contactPerson' | 'contactPhone'>): string {
  return `${unit.contactPerson.trim()} ${unit.contactPhone.trim()}`.trim();
}

/**
 * Builds the record. The retention period filed for the system is the shortest retention among its cameras — the
 * period every camera's video is at least kept (R17) — or 0 for a system without cameras.
 */
export function buildFilingRecord(input: {
  unit: UnitProfile;
  system: FilingSystemInput;
  cameras: readonly FilingCameraInput[];
  retentionDaysByCamera: ReadonlyMap<string, number>;
  nowMs: number;
}): FilingRecord {
  const { unit, system, nowMs } = input;
  const cameras = [...input.cameras]
    .sort((a, b) => (a.cameraId < b.cameraId ? -1 : a.cameraId > b.cameraId ? 1 : 0))
    .map((c) => {
      const retentionDays = input.retentionDaysByCamera.get(c.cameraId);
      if (retentionDays === undefined) throw new RangeError(`no retention period for camera ${c.cameraId}`);
      return { cameraId: c.cameraId, deviceType: c.deviceType, retentionDays };
    });
  const counts: Record<string, number> = {};
  for (const c of cameras) counts[c.deviceType] = (counts[c.deviceType] ?? 0) + 1;
  const devices = (Object.keys(DEVICE_TYPES) as DeviceType[])
    .filter((type) => counts[type])
    .map((type) => ({ type, label: DEVICE_TYPES[type], count: counts[type]! }));
  const retentionDays = cameras.length ? Math.min(...cameras.map((c) => c.retentionDays)) : 0;
  return {
    system: { id: system.id, name: system.name, location: system.location, lifecycle: system.lifecycle, inUseSinceMs: system.inUseSinceMs },
    unit: { ...unit },
    facts: {
      unitName: unit.name,
      unitType: unit.unitType,
      unifiedSocialCreditCode: unit.unifiedSocialCreditCode,
      contact: contactLine(unit),
      systemLocation: system.location,
      cameraCountByType: counts,
      retentionDays,
    },
    devices,
    cameraCount: cameras.length,
    cameras,
    generatedMs: nowMs,
  };
}
