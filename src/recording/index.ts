// Public API of recording/: stream recorders, the index of runs and segments, reconciliation and the storage check.
export { checkStorage, type StorageCheckReport, type StorageMismatch, type StorageMismatchKind } from './check.js';
export { decodeFragmentIndex, encodeFragmentIndex, FragmentIndexError, type FragmentIndexEntry, type PlacedFragment } from './fragment-index.js';
export { MediaClock } from './media-clock.js';
export { reconcileStore, type ReconcileReport } from './reconcile.js';
export { DELETION_STATUSES, MAX_SEGMENT_DURATION_MS, RecordingRepo, type SegmentMeta } from './repo.js';
export { StreamRecorder, type RecorderLogger, type StreamRecorderOptions, type StreamRecorderState, type StreamRecorderStats } from './stream-recorder.js';
export { Recorder, type IngestSettings, type IngestSource, type IngestTarget, type LiveSinkHub, type RecorderDeps, type StreamStatusSnapshot } from './recorder.js';
