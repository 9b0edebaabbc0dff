// Row builders for playback's unit tests only (no production code imports this file). Builds segment and run rows
// the way the recorder writes them: segments of a run continuous in media and wall time, fragment index encoded.
import { encodeFragmentIndex } from '../recording/index.js';
import type { PlaybackRun, PlaybackSegment } from './types.js';

export interface FragmentSpec {
  durationTicks?: number;
  keyframe?: boolean;
  sizeBytes?: number;
}

export interface RunSpec {
  runId: number;
  startMs: number;
  /** One array of fragments per segment. */
  segments: FragmentSpec[][];
  timescale?: number;
  initSizeBytes?: number;
  firstSegmentId?: number;
  firstSeq?: number;
  mediaStart?: number;
  streamId?: string;
  codec?: string;
  width?: number;
  height?: number;
}

export const CAMERA_ID = 'cam-1';
export const TIMESCALE = 90_000;

/** Segments of one run, back to back. Fragments default to 1 s keyframe fragments of 1000 bytes. */
export function runSegments(spec: RunSpec): PlaybackSegment[] {
  const timescale = spec.timescale ?? TIMESCALE;
  const initSizeBytes = spec.initSizeBytes ?? 700;
  let mediaStart = spec.mediaStart ?? 0;
  let wallMs = spec.startMs;
  return spec.segments.map((fragments, i) => {
    const entries = fragments.map((f) => ({
      sizeBytes: f.sizeBytes ?? 1000,
      durationTicks: f.durationTicks ?? timescale,
      sampleCount: 25,
      keyframe: f.keyframe ?? true,
    }));
    const durationTicks = entries.reduce((n, e) => n + e.durationTicks, 0);
    const row: PlaybackSegment = {
      id: (spec.firstSegmentId ?? spec.runId * 100) + i,
      camera_id: CAMERA_ID,
      stream_id: spec.streamId ?? 'stream-main',
      run_id: spec.runId,
      seq: (spec.firstSeq ?? 0) + i,
      start_ms: Math.round(wallMs),
      end_ms: Math.round(wallMs + (durationTicks * 1000) / timescale),
      media_start: mediaStart,
      timescale,
      size_bytes: initSizeBytes + entries.reduce((n, e) => n + e.sizeBytes, 0),
      init_size_bytes: initSizeBytes,
      frames: entries.length * 25,
      codec: spec.codec ?? 'avc1.640028',
      width: spec.width ?? 1920,
      height: spec.height ?? 1080,
      status: 'ok',
      fragment_index: encodeFragmentIndex(entries),
    };
    mediaStart += durationTicks;
    wallMs += (durationTicks * 1000) / timescale;
    return row;
  });
}

/** `n` fragments of 1 s; keyframes at the given indexes (all when omitted). */
export function seconds(n: number, keyframesAt?: number[]): FragmentSpec[] {
  return Array.from({ length: n }, (_, i) => ({ keyframe: keyframesAt ? keyframesAt.includes(i) : true }));
}

export function run(id: number, startMs: number, endMs: number | null, endCause: string | null, startCause = 'start'): PlaybackRun {
  return { id, camera_id: CAMERA_ID, stream_id: 'stream-main', start_ms: startMs, end_ms: endMs, start_cause: startCause, end_cause: endCause };
}
