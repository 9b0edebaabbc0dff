// integrity/: the segment integrity chain of R15 ("original and complete", architecture §5) — the link function,
// signed checkpoints of all chain heads, tombstones of lawful deletions, and `verify`. Owns segment_tombstones and
// integrity_checkpoints; recording/ writes the chain columns of `segments` with `segmentLink`. Never touches files or
// the segment store itself: verify reads them through the IntegritySources port that app/ wires.
export { canonicalSegment, GENESIS_HASH, LINK_TAG, segmentLink, type LinkedFields } from './link.js';
export { CHECKPOINT_TAG, checkpointMessage, decodeHeads, encodeHeads, headsSignatureValid, signHeads, type ChainHead } from './checkpoint.js';
export { IntegrityRepo } from './repo.js';
export { IntegrityService, type IntegrityStatus, type RunningVerify } from './service.js';
export { CheckpointExportError, exportCheckpoint, formatExportLine, parseCheckpointExport, type ExportedCheckpoint } from './export.js';
export { cameraStatuses, summarizeReport, type CameraIntegrity, type CameraIntegrityStatus, type VerifyRun, type VerifyRunSummary } from './runs.js';
export { verifyIntegrity } from './verify.js';
export { PROBLEM_STATUSES } from './types.js';
export type * from './types.js';
