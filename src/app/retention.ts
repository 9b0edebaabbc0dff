// Wires retention/ (R17, D22(3)) to the segment index (recording/), the segment store (storage/: its deleteSegment
// is the one place data is destroyed), tombstones (integrity/), camera groups (access/), cameras (devices/) and the
// system log (audit/). Wiring only.
import type { KeyObject } from 'node:crypto';
import type { AccessService, SystemEventRecorder } from '../access/index.js';
import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import type { CameraService } from '../devices/index.js';
import type { IntegrityRepo } from '../integrity/index.js';
import type { RecordingRepo } from '../recording/index.js';
import { RetentionService, type RetentionLogger } from '../retention/index.js';
import type { LocalSegmentStore } from '../storage/index.js';

export function createRetention(deps: {
  db: Db;
  config: Config;
  recordings: RecordingRepo;
  store: LocalSegmentStore;
  tombstones: IntegrityRepo;
  access: AccessService;
  cameras: CameraService;
  events: SystemEventRecorder;
  signingKey: KeyObject;
  now?: () => number;
  log?: RetentionLogger;
}): RetentionService {
  return new RetentionService(
    {
      db: deps.db,
      now: deps.now ?? Date.now,
      events: deps.events,
      index: deps.recordings,
      files: deps.store,
      tombstones: deps.tombstones,
      // The system itself reads the groups (actor null): resolving a group policy's members is not an admin action.
      groups: { groups: async () => (await deps.access.listGroups(null)).map((g) => ({ id: g.id, cameraIds: g.cameraIds })) },
      cameras: { cameraIds: async () => (await deps.cameras.list()).map((c) => c.id) },
      signingKey: deps.signingKey,
      minFreeBytes: Math.max(deps.config.retention.minFreeBytes, deps.config.recording.minFreeBytes),
      reserveBytes: deps.config.recording.minFreeBytes,
      rateWindowDays: deps.config.retention.rateWindowDays,
      lowHeadroomDays: deps.config.retention.lowHeadroomDays,
    },
    deps.log,
  );
}
