// Every migration, in order. Listed statically (not scanned from disk) so the set is fixed at build time.
// Names are date-prefixed and name the owning module; migrations take Kysely<any> and never import app code.
import type { Migration } from 'kysely';
import * as devicesCameras from './2026-11-25-01-devices-cameras.js';
import * as recordingSegments from './2026-11-25-02-recording-segments.js';
import * as auditRegisters from './2026-12-02-01-audit-registers.js';
import * as accessIdentities from './2026-12-02-02-access-identities.js';
import * as devicesCameraPlaces from './2026-12-02-03-devices-camera-places.js';
import * as integrityChain from './2026-12-02-03-integrity-chain.js';
import * as integrityAppendOnly from './2026-12-02-04-integrity-append-only.js';
import * as integrityVerifyRuns from './2026-12-03-06-integrity-verify-runs.js';
import * as devicesPlaceReview from './2026-12-03-07-devices-place-review.js';
import * as complianceDuties from './2026-12-03-03-compliance-duties.js';
import * as requestsComplaints from './2026-12-03-03-requests-complaints.js';
import * as devicesSignageMasks from './2026-12-03-02-devices-signage-masks.js';
import * as devicesSystems from './2026-12-03-01-devices-systems.js';
import * as complianceFiling from './2026-12-03-01-compliance-filing.js';
import * as retentionTables from './2026-12-03-04-retention-tables.js';
import * as storageSegmentKeys from './2026-12-03-05-storage-segment-keys.js';
import * as retentionLease from './2026-12-04-01-retention-lease.js';
import * as devicesRtspClient from './2026-12-04-02-devices-rtsp-client.js';

export const migrations: Record<string, Migration> = {
  '2026-11-25-01-devices-cameras': devicesCameras,
  '2026-11-25-02-recording-segments': recordingSegments,
  '2026-12-02-01-audit-registers': auditRegisters,
  '2026-12-02-02-access-identities': accessIdentities,
  '2026-12-02-03-devices-camera-places': devicesCameraPlaces,
  '2026-12-02-03-integrity-chain': integrityChain,
  '2026-12-02-04-integrity-append-only': integrityAppendOnly,
  '2026-12-03-06-integrity-verify-runs': integrityVerifyRuns,
  '2026-12-03-07-devices-place-review': devicesPlaceReview,
  '2026-12-03-03-compliance-duties': complianceDuties,
  '2026-12-03-03-requests-complaints': requestsComplaints,
  '2026-12-03-02-devices-signage-masks': devicesSignageMasks,
  '2026-12-03-01-compliance-filing': complianceFiling,
  '2026-12-03-01-devices-systems': devicesSystems,
  '2026-12-03-04-retention-tables': retentionTables,
  '2026-12-03-05-storage-segment-keys': storageSegmentKeys,
  '2026-12-04-01-retention-lease': retentionLease,
  '2026-12-04-02-devices-rtsp-client': devicesRtspClient,
};
