// VideoService: the one door to video bytes — timeline, HLS playlist, segment byte ranges, MP4 export and live
// view. Every HTTP route that serves video calls exactly one method here. Each method that serves bytes validates
// its input, then passes the access gate (R16: permission, per-camera grant, personnel gates, reason; the register
// row is written before the first byte), and reads only under the Grant the gate returned, counting the bytes it
// serves into the grant so the register's close entry says how much was seen. Rows come through the injected index
// (which seeks by time, never scanning files), bytes through SegmentBytes.
import type { AccessReason, GateRequest, Grant, Subject, VideoAction } from '../access/index.js';
import { PlaybackError } from './errors.js';
import { PlaybackGrants } from './playback-grants.js';
import { writeExport } from './export-writer.js';
import { planExport, type ExportPlan } from './export-plan.js';
import { buildHlsPlaylist } from './hls.js';
import { planSegmentRead, writeSegmentRead, type SegmentRead } from './segment-read.js';
import { parseInstantQuery, parseTimeRange, type TimeRange } from './time-range.js';
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

/** Who is watching and why (R16.3), as the HTTP layer knows it. */
export interface Viewer {
  subject: Subject;
  reason: AccessReason | undefined;
  clientAddr?: string;
  requestId?: string;
}

/** The access gate (implemented by access/). */
export interface VideoGate {
  open(request: GateRequest): Promise<Grant>;
}

/** Burns the viewer watermark into an export or a snapshot (D18; implemented with ffmpeg by media/). */
export interface ExportWatermark {
  /** `cameraId`: whose privacy masks marked for export burn-in (R13, D11) are burned in under the watermark. */
  burn(lines: string[], produce: (write: ByteSink) => Promise<unknown>, consume: ByteSink, cameraId: string): Promise<number>;
  /** One JPEG of the frame `seekSeconds` into the fMP4 `produce` writes, watermarked (and masked like an export). */
  still(lines: string[], seekSeconds: number, produce: (write: ByteSink) => Promise<unknown>, consume: ByteSink, cameraId: string): Promise<number>;
}

/** How long a live snapshot waits for the stream's next keyframe fragment. */
const LIVE_SNAPSHOT_WAIT_MS = 5000;

export interface VideoServiceDeps {
  gate: VideoGate;
  /** Every export is watermarked with its viewer and register entry; null only where no export is served. */
  watermark: ExportWatermark | null;
  index: RecordingIndex;
  bytes: SegmentBytes;
  cameras: CameraDirectory;
  live: LiveSource;
  /** The shared H.264 transcodes of live streams; it may refuse a viewer (transcode_limit, transcode_disabled). */
  transcoder: LiveSource;
  now: () => number;
  /** Longest range a playlist or an export may cover. */
  maxRangeMs: number;
  /** An HLS playback grant unused this long is closed (default 15 min). */
  playbackIdleMs?: number;
  /** Formats the time of a watermark (default: Asia/Shanghai, as the UI shows it). */
  formatTime?: (ms: number) => string;
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
  readonly #grants: PlaybackGrants;

  constructor(private readonly deps: VideoServiceDeps) {
    this.#grants = new PlaybackGrants({ now: deps.now, idleMs: deps.playbackIdleMs ?? 15 * 60_000, maxOpen: 10_000 });
  }

  /**
   * Runs, segments and gaps of a camera stream in a range: `GET /cameras/:id/recordings`. Metadata, not video: the
   * caller checks the viewer's camera scope; no register row.
   */
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

  /**
   * An HLS playlist of the range, byte ranges into segment files served by `segmentRead`. Opens a playback grant
   * (one register row for the whole viewing); the segment URLs carry its token.
   */
  async playlist(viewer: Viewer, cameraId: string, query: RangeQuery, segmentUrl: (segmentId: number, grantToken: string) => string): Promise<string> {
    const range = parseTimeRange(query, { maxRangeMs: Math.min(this.deps.maxRangeMs, MAX_PLAYLIST_RANGE_MS), nowMs: this.deps.now() });
    const streamId = await this.recordedStream(cameraId, query.stream);
    const grant = await this.open(viewer, 'playback', cameraId, range);
    try {
      const segments = await this.deps.index.segmentsInRange(cameraId, range.fromMs, range.toMs, streamId);
      if (segments.length === 0) throw noRecording(range);
      const token = this.#grants.hold(grant, cameraId);
      return buildHlsPlaylist({ segments, fromMs: range.fromMs, toMs: range.toMs, segmentUrl: (id) => segmentUrl(id, token) });
    } catch (err) {
      await grant.close();
      throw err;
    }
  }

  /** Plans the bytes of one segment file (or a byte range of it) for the HLS player, under its playlist's grant. */
  async segmentRead(
    viewer: Viewer,
    cameraId: string,
    segmentIdText: string,
    grantToken: string | undefined,
    rangeHeader?: string,
  ): Promise<{ read: SegmentRead; write(sink: ByteSink, signal?: AbortSignal): Promise<number> }> {
    await this.deps.cameras.get(cameraId);
    if (!/^[1-9]\d{0,15}$/.test(segmentIdText)) {
      throw new PlaybackError('not_found', `segment id ${JSON.stringify(segmentIdText.slice(0, 40))} is not a positive integer`);
    }
    const grant = this.#grants.use(grantToken, viewer.subject.accountId, cameraId);
    const segment = await this.deps.index.getSegment(Number(segmentIdText));
    // A segment of another camera, or outside the granted range, is "not found": ids are no way around the grant.
    if (!segment || segment.camera_id !== cameraId || !overlaps(segment, grant)) {
      throw new PlaybackError('not_found', `camera ${cameraId} has no segment ${segmentIdText} in the range of this playback`);
    }
    // Deleted by retention after the playlist listed it (its row stays while the deletion runs, or as its stream's
    // chain head): the file is gone on purpose, so this is "not found", not a failed read.
    if (segment.status === 'deleting' || segment.status === 'deleted') {
      throw new PlaybackError('not_found', `segment ${segmentIdText} of camera ${cameraId} has been deleted under the retention policy (R17); its tombstone keeps the record`, { segmentId: segment.id });
    }
    const read = planSegmentRead(segment, rangeHeader);
    return {
      read,
      write: (sink, signal) => writeSegmentRead(read, this.deps.bytes, counting(grant, sink), signal ? { signal } : {}),
    };
  }

  /**
   * Plans a single MP4 of the range (cut to the keyframe at or before `from`) and opens its export grant. The caller
   * must pass both to `writeExport`, which closes the grant.
   */
  async planExport(viewer: Viewer, cameraId: string, query: RangeQuery): Promise<{ plan: ExportPlan; grant: Grant }> {
    const range = parseTimeRange(query, { maxRangeMs: this.deps.maxRangeMs, nowMs: this.deps.now() });
    const streamId = await this.recordedStream(cameraId, query.stream);
    const grant = await this.open(viewer, 'export', cameraId, range);
    try {
      const segments = await this.deps.index.segmentsInRange(cameraId, range.fromMs, range.toMs, streamId);
      if (segments.length === 0) throw noRecording(range);
      if (!this.deps.watermark) throw new PlaybackError('watermark_unavailable', 'exports are watermarked (D18) and this server has no watermark encoder');
      return { plan: planExport({ segments, fromMs: range.fromMs, toMs: range.toMs }), grant };
    } catch (err) {
      await grant.close();
      throw err;
    }
  }

  /**
   * Streams the export with the viewer's name, unit, register entry and time burned into every frame (D18), so a
   * leaked copy traces to its viewer; closes the grant with the bytes served. Returns the bytes sent.
   */
  async writeExport(grant: Grant, plan: ExportPlan, sink: ByteSink): Promise<number> {
    assertCovers(grant, 'export', plan.initSegment.camera_id);
    try {
      const watermark = this.deps.watermark;
      if (!watermark) throw new PlaybackError('watermark_unavailable', 'exports are watermarked (D18) and this server has no watermark encoder');
      const time = this.deps.formatTime ?? formatShanghai;
      const { subject } = grant;
      const lines = [
        `Vigil 导出 export #${grant.accessId} · ${subject.displayName} (${subject.username}) · ${subject.unit}`,
        `${time(plan.startMs)} – ${time(plan.endMs)} · camera ${plan.initSegment.camera_id} · 导出于 ${time(grant.openedMs)}`,
      ];
      return await watermark.burn(lines, (write) => writeExport(plan, this.deps.bytes, write), counting(grant, sink), plan.initSegment.camera_id);
    } finally {
      await grant.close();
    }
  }

  /**
   * Subscribes a live viewer to a camera stream (default: the sub stream if there is one, it is lighter), or with
   * `transcode: 'h264'` to the stream's shared H.264 transcode, under a live grant. The returned function ends the
   * viewing and closes the grant (bytes and duration go to the register).
   */
  async live(viewer: Viewer, cameraId: string, kind: StreamKind | undefined, sink: LiveViewerSink, options: LiveOptions = {}): Promise<() => void> {
    const camera = await this.deps.cameras.get(cameraId);
    const stream = kind
      ? camera.streams.find((s) => s.kind === kind)
      : camera.streams.find((s) => s.kind === 'sub') ?? camera.streams.find((s) => s.kind === 'main');
    if (!stream) throw new PlaybackError('not_found', `camera ${cameraId} has no ${kind ?? 'main'} stream`);
    const grant = await this.open(viewer, 'live', cameraId, null);
    const counted: LiveViewerSink = {
      sendText: (json) => sink.sendText(json),
      sendBinary: (data) => {
        grant.addBytes(data.length);
        sink.sendBinary(data);
      },
      bufferedBytes: () => sink.bufferedBytes(),
      close: (code, reason) => sink.close(code, reason),
    };
    let unsubscribe: () => void;
    try {
      unsubscribe = options.transcode === 'h264' ? this.deps.transcoder.subscribe(stream.id, counted) : this.deps.live.subscribe(stream.id, counted);
    } catch (err) {
      await grant.close();
      throw err;
    }
    return () => {
      unsubscribe();
      void grant.close().catch(() => undefined);
    };
  }

  /**
   * One watermarked JPEG (D18) of a camera: the recorded frame at `at`, or without `at` the live picture (the
   * stream's cached keyframe fragment). Passes the gate as action `snapshot` (R16.3); closes the grant with the bytes.
   */
  async snapshot(viewer: Viewer, cameraId: string, query: { at?: unknown; stream?: StreamKind }, sink: ByteSink): Promise<{ atMs: number | null; bytes: number }> {
    const watermark = this.deps.watermark;
    if (query.at === undefined) {
      const camera = await this.deps.cameras.get(cameraId);
      const kind = query.stream ?? 'main';
      const stream = camera.streams.find((s) => s.kind === kind);
      if (!stream) throw new PlaybackError('not_found', `camera ${cameraId} has no ${kind} stream`);
      const grant = await this.open(viewer, 'snapshot', cameraId, null);
      try {
        if (!watermark) throw new PlaybackError('watermark_unavailable', 'snapshots are watermarked (D18) and this server has no watermark encoder');
        const { init, fragment } = await firstKeyframe(this.deps.live, stream.id, LIVE_SNAPSHOT_WAIT_MS);
        const bytes = await watermark.still(this.stillLines(grant, null), 0, async (write) => {
          await write(init);
          await write(fragment);
        }, counting(grant, sink), cameraId);
        return { atMs: null, bytes };
      } finally {
        await grant.close();
      }
    }
    const atMs = parseInstantQuery(query.at, this.deps.now());
    const streamId = await this.recordedStream(cameraId, query.stream);
    const grant = await this.open(viewer, 'snapshot', cameraId, { fromMs: atMs, toMs: atMs + 1 });
    try {
      if (!watermark) throw new PlaybackError('watermark_unavailable', 'snapshots are watermarked (D18) and this server has no watermark encoder');
      const segments = await this.deps.index.segmentsInRange(cameraId, atMs, atMs + 1, streamId);
      if (segments.length === 0) throw noRecording({ fromMs: atMs, toMs: atMs + 1 });
      // The plan starts at the keyframe at or before `at`; the encoder decodes forward to the instant itself.
      const plan = planExport({ segments, fromMs: atMs, toMs: atMs + 1 });
      const seekSeconds = Math.max(0, (atMs - plan.startMs) / 1000);
      const bytes = await watermark.still(this.stillLines(grant, atMs), seekSeconds, (write) => writeExport(plan, this.deps.bytes, write), counting(grant, sink), cameraId);
      return { atMs, bytes };
    } finally {
      await grant.close();
    }
  }

  private stillLines(grant: Grant, atMs: number | null): string[] {
    const time = this.deps.formatTime ?? formatShanghai;
    const { subject } = grant;
    return [
      `Vigil 截图 snapshot #${grant.accessId} · ${subject.displayName} (${subject.username}) · ${subject.unit}`,
      `${atMs === null ? '实时 live' : time(atMs)} · camera ${grant.cameraIds[0]} · 截取于 ${time(grant.openedMs)}`,
    ];
  }

  /** Closes every open playback grant (shutdown), so each gets its register close entry. */
  async close(): Promise<void> {
    await this.#grants.closeAll();
  }

  private open(viewer: Viewer, action: VideoAction, cameraId: string, range: TimeRange | null): Promise<Grant> {
    return this.deps.gate.open({
      subject: viewer.subject,
      action,
      target: range ? { cameraIds: [cameraId], fromMs: range.fromMs, toMs: range.toMs } : { cameraIds: [cameraId] },
      reason: viewer.reason,
      ...(viewer.requestId ? { requestId: viewer.requestId } : {}),
      ...(viewer.clientAddr ? { clientAddr: viewer.clientAddr } : {}),
    });
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

/**
 * The live stream's init segment and its first keyframe fragment, taken as a viewer of the hub would get them (the
 * hub starts a new viewer at its cached keyframe), then the subscription ends.
 */
function firstKeyframe(live: LiveSource, streamId: string, waitMs: number): Promise<{ init: Buffer; fragment: Buffer }> {
  return new Promise((resolve, reject) => {
    const binaries: Buffer[] = [];
    let unsubscribe: (() => void) | null = null;
    let settled = false;
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The hub may call the sink while subscribe() is still running: leave after it has returned.
      queueMicrotask(() => unsubscribe?.());
      if (error) reject(error);
      else resolve({ init: binaries[0]!, fragment: binaries[1]! });
    };
    const timer = setTimeout(
      () => finish(new PlaybackError('no_recording', `no live picture from this camera within ${waitMs / 1000} s (is it recording? see its status)`)),
      waitMs,
    );
    const sink: LiveViewerSink = {
      sendText: (json) => {
        const message = JSON.parse(json) as { type?: string; reason?: string };
        if (message.type === 'ended') finish(new PlaybackError('no_recording', `the live stream ended${message.reason ? `: ${message.reason}` : ''}`));
      },
      sendBinary: (data) => {
        if (settled) return;
        binaries.push(Buffer.from(data));
        if (binaries.length >= 2) finish(null);
      },
      bufferedBytes: () => 0,
      close: () => finish(new PlaybackError('no_recording', 'the live stream closed before a picture arrived')),
    };
    try {
      unsubscribe = live.subscribe(streamId, sink);
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** A reader given a grant that does not cover what it reads is a caller bug: refuse rather than serve. */
function assertCovers(grant: Grant, action: VideoAction, cameraId: string): void {
  if (grant.closed || grant.action !== action || !grant.cameraIds.includes(cameraId)) {
    throw new PlaybackError('grant_mismatch', `the grant (register entry ${grant.accessId}) does not cover ${action} of camera ${cameraId}`);
  }
}

function overlaps(segment: PlaybackSegment, grant: Grant): boolean {
  return (grant.fromMs === null || segment.end_ms > grant.fromMs) && (grant.toMs === null || segment.start_ms < grant.toMs);
}

/** A sink that counts what it passes on into the grant (the register's close entry reports it). */
function counting(grant: Grant, sink: ByteSink): ByteSink {
  return async (chunk) => {
    await sink(chunk);
    grant.addBytes(chunk.length);
  };
}

const shanghai = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});

/** `2026-12-02 18:04:05 +08`, as the console shows times. */
function formatShanghai(ms: number): string {
  return `${shanghai.format(new Date(ms))} +08`;
}

function noRecording(range: TimeRange): PlaybackError {
  return new PlaybackError(
    'no_recording',
    `nothing is recorded between ${new Date(range.fromMs).toISOString()} and ${new Date(range.toMs).toISOString()}`,
  );
}
