// VideoService: the one door to video bytes — timeline, HLS playlist, segment byte ranges, MP4 export and live
// view. Every HTTP route that serves video calls exactly one method here, so the access gate (R16) can be put in
// front of this class without touching callers. It resolves camera → stream, validates ids and time ranges, looks
// rows up through the injected index (which seeks by time, never scanning files) and reads through SegmentBytes.
import { PlaybackError } from './errors.js';
import { writeExport, type ExportResult } from './export-writer.js';
import { planExport, type ExportPlan } from './export-plan.js';
import { buildHlsPlaylist } from './hls.js';
import { planSegmentRead, writeSegmentRead, type SegmentRead } from './segment-read.js';
import { parseTimeRange, type TimeRange } from './time-range.js';
import { buildTimeline, type Timeline } from './timeline.js';
import type { ByteSink, PlaybackRun, PlaybackSegment, SegmentBytes } from './types.js';

export type StreamKind = 'main' | 'sub';

/** The recording index, as the recording repo provides it. */
export interface RecordingIndex {
  segmentsInRange(cameraId: string, fromMs: number, toMs: number, streamId?: string): Promise<PlaybackSegment[]>;
  runsInRange(cameraId: string, fromMs: number, toMs: number, streamId?: string): Promise<PlaybackRun[]>;
  getSegment(id: number): Promise<PlaybackSegment | undefined>;
}

/** Cameras and their streams, as the camera registry provides them (throws camera_not_found / invalid_camera). */
export interface CameraDirectory {
  get(cameraId: string): Promise<{ id: string; streams: { id: string; kind: StreamKind; record: boolean }[] }>;
}

/** A live viewer's end of the live hub. */
export interface LiveViewerSink {
  sendText(json: string): void;
  sendBinary(data: Buffer): void;
  bufferedBytes(): number;
  close(code: number, reason: string): void;
}

export interface LiveSource {
  subscribe(streamId: string, sink: LiveViewerSink): () => void;
}

/** How a viewer wants a live stream: as the camera sends it, or transcoded to H.264 (browsers without H.265). */
export interface LiveOptions {
  transcode?: 'h264';
}

export interface VideoServiceDeps {
  index: RecordingIndex;
  bytes: SegmentBytes;
  cameras: CameraDirectory;
  live: LiveSource;
  /** The shared H.264 transcodes of live streams; it may refuse a viewer (transcode_limit, transcode_disabled). */
  transcoder: LiveSource;
  now: () => number;
  /** Longest range a playlist or an export may cover. */
  maxRangeMs: number;
}

export interface RangeQuery {
  from?: unknown;
  to?: unknown;
  stream?: StreamKind;
}

/** The longest range the recordings listing accepts (a timeline is cheap: rows only, no bytes). */
const MAX_LISTING_RANGE_MS = 366 * 86_400_000;
/** One playlist line pair per fragment: a day is ~86,400 entries (~5 MB of text); longer is for export, not HLS. */
const MAX_PLAYLIST_RANGE_MS = 86_400_000;

export class VideoService {
  constructor(private readonly deps: VideoServiceDeps) {}

  /** Runs, segments and gaps of a camera stream in a range: `GET /cameras/:id/recordings`. */
  async recordings(cameraId: string, query: RangeQuery): Promise<Timeline> {
    const nowMs = this.deps.now();
    const range = parseTimeRange(query, { maxRangeMs: MAX_LISTING_RANGE_MS, nowMs });
    const streamId = await this.recordedStream(cameraId, query.stream);
    const [runs, segments] = await Promise.all([
      this.deps.index.runsInRange(cameraId, range.fromMs, range.toMs, streamId),
      this.deps.index.segmentsInRange(cameraId, range.fromMs, range.toMs, streamId),
    ]);
    return buildTimeline({ cameraId, runs, segments, fromMs: range.fromMs, toMs: range.toMs, nowMs });
  }

  /** An HLS playlist of the range, byte ranges into segment files served by `segmentRead`. */
  async playlist(cameraId: string, query: RangeQuery, segmentUrl: (segmentId: number) => string): Promise<string> {
    const { segments, range } = await this.segmentsFor(cameraId, query, Math.min(this.deps.maxRangeMs, MAX_PLAYLIST_RANGE_MS));
    if (segments.length === 0) throw noRecording(range);
    return buildHlsPlaylist({ segments, fromMs: range.fromMs, toMs: range.toMs, segmentUrl });
  }

  /** Plans the bytes of one segment file (or a byte range of it) for the HLS player. */
  async segmentRead(cameraId: string, segmentIdText: string, rangeHeader?: string): Promise<{ read: SegmentRead; write(sink: ByteSink, signal?: AbortSignal): Promise<number> }> {
    await this.deps.cameras.get(cameraId);
    if (!/^[1-9]\d{0,15}$/.test(segmentIdText)) {
      throw new PlaybackError('not_found', `segment id ${JSON.stringify(segmentIdText.slice(0, 40))} is not a positive integer`);
    }
    const segment = await this.deps.index.getSegment(Number(segmentIdText));
    // A segment of another camera is "not found" here: ids are not a way around per-camera permissions.
    if (!segment || segment.camera_id !== cameraId) {
      throw new PlaybackError('not_found', `camera ${cameraId} has no segment ${segmentIdText}`);
    }
    const read = planSegmentRead(segment, rangeHeader);
    return { read, write: (sink, signal) => writeSegmentRead(read, this.deps.bytes, sink, signal ? { signal } : {}) };
  }

  /** Plans a single MP4 of the range (cut to the keyframe at or before `from`). */
  async planExport(cameraId: string, query: RangeQuery): Promise<ExportPlan> {
    const { segments, range } = await this.segmentsFor(cameraId, query);
    if (segments.length === 0) throw noRecording(range);
    return planExport({ segments, fromMs: range.fromMs, toMs: range.toMs });
  }

  writeExport(plan: ExportPlan, sink: ByteSink): Promise<ExportResult> {
    return writeExport(plan, this.deps.bytes, sink);
  }

  /**
   * Subscribes a live viewer to a camera stream (default: the sub stream if there is one, it is lighter), or with
   * `transcode: 'h264'` to the stream's shared H.264 transcode.
   */
  async live(cameraId: string, kind: StreamKind | undefined, sink: LiveViewerSink, options: LiveOptions = {}): Promise<() => void> {
    const camera = await this.deps.cameras.get(cameraId);
    const stream = kind
      ? camera.streams.find((s) => s.kind === kind)
      : camera.streams.find((s) => s.kind === 'sub') ?? camera.streams.find((s) => s.kind === 'main');
    if (!stream) throw new PlaybackError('not_found', `camera ${cameraId} has no ${kind ?? 'main'} stream`);
    return options.transcode === 'h264' ? this.deps.transcoder.subscribe(stream.id, sink) : this.deps.live.subscribe(stream.id, sink);
  }

  private async segmentsFor(cameraId: string, query: RangeQuery, maxRangeMs = this.deps.maxRangeMs): Promise<{ segments: PlaybackSegment[]; range: TimeRange }> {
    const range = parseTimeRange(query, { maxRangeMs, nowMs: this.deps.now() });
    const streamId = await this.recordedStream(cameraId, query.stream);
    const segments = await this.deps.index.segmentsInRange(cameraId, range.fromMs, range.toMs, streamId);
    return { segments, range };
  }

  /** The stream whose recordings are asked for: `main` unless `sub` is named. */
  private async recordedStream(cameraId: string, kind: StreamKind | undefined): Promise<string> {
    const camera = await this.deps.cameras.get(cameraId);
    const wanted = kind ?? 'main';
    const stream = camera.streams.find((s) => s.kind === wanted);
    if (!stream) throw new PlaybackError('not_found', `camera ${cameraId} has no ${wanted} stream`);
    return stream.id;
  }
}

function noRecording(range: TimeRange): PlaybackError {
  return new PlaybackError(
    'no_recording',
    `nothing is recorded between ${new Date(range.fromMs).toISOString()} and ${new Date(range.toMs).toISOString()}`,
  );
}
