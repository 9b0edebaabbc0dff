// Public API of playback/: every read of recorded video goes through here (timeline, HLS, segment bytes, export),
// so the access gate can be put in front of this one module without touching its callers. Rows come in from the
// recording repo and bytes through an injected SegmentBytes; this module queries no table and opens no file.
export type { ByteSink, PlaybackRun, PlaybackSegment, SegmentBytes, SegmentRef } from './types.js';
export { DEFAULT_MAX_READ_BYTES, toSegmentRef } from './types.js';
export { PlaybackError, type PlaybackErrorCode, type PlaybackErrorDetail, type TimeRangeReason } from './errors.js';
export { EARLIEST_MS, FUTURE_SLACK_MS, parseTimeRange, type TimeRange, type TimeRangeLimits } from './time-range.js';
export {
  buildTimeline, CAUSE_IN_PROGRESS, CAUSE_MISSING_SEGMENTS, CAUSE_NOT_RECORDING,
  type Timeline, type TimelineGap, type TimelineInput, type TimelineRun, type TimelineSegment,
} from './timeline.js';
export { CONTIGUITY_TOLERANCE_MS, type BreakKind } from './selection.js';
export { buildHlsPlaylist, type HlsPlaylistInput } from './hls.js';
export { planSegmentRead, writeSegmentRead, type SegmentRead } from './segment-read.js';
export {
  planExport, type ExportGap, type ExportGapMode, type ExportPiece, type ExportPlan, type PlanExportInput, type VideoFormat, type WalkedPiece,
} from './export-plan.js';
export { writeExport, type ExportResult, type WriteExportOptions } from './export-writer.js';
export {
  VideoService, type CameraDirectory, type ExportWatermark, type LiveOptions, type LiveSource, type LiveViewerSink, type RangeQuery, type RecordingIndex,
  type StreamKind, type VideoGate, type VideoServiceDeps, type Viewer,
} from './service.js';
