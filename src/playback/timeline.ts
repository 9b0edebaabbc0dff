// The recordings of one camera stream in a time range, as the API returns them (GET /api/v1/cameras/:id/recordings):
// runs, segments and the gaps between them, each gap with its cause. Pure: rows in, JSON-ready object out; the
// recording repo supplies the rows. Must not read segment files or decode fragment indexes (a listing stays cheap).
import { PlaybackError } from './errors.js';
import { CONTIGUITY_TOLERANCE_MS } from './selection.js';
import type { PlaybackRun, PlaybackSegment } from './types.js';

/** Cause of a gap inside a run (its segments are gone: deleted, lost, or never written because of a crash). */
export const CAUSE_MISSING_SEGMENTS = 'missing_segments';
/** Cause of a gap with no run before it that says why. */
export const CAUSE_NOT_RECORDING = 'not_recording';
/** Cause of the time after an open run's last segment: the segment being written is not durable yet. */
export const CAUSE_IN_PROGRESS = 'in_progress';

export interface TimelineRun {
  id: number;
  startMs: number;
  endMs: number | null;
  startCause: string;
  endCause: string | null;
}

export interface TimelineSegment {
  id: number;
  runId: number;
  startMs: number;
  endMs: number;
  sizeBytes: number;
  frames: number;
  codec: string;
  width: number;
  height: number;
  status: string;
}

export interface TimelineGap {
  startMs: number;
  endMs: number;
  /** The `end_cause` of the run before the gap, `missing_segments`, `in_progress` or `not_recording`. */
  cause: string;
}

export interface Timeline {
  cameraId: string;
  fromMs: number;
  toMs: number;
  runs: TimelineRun[];
  segments: TimelineSegment[];
  gaps: TimelineGap[];
}

export interface TimelineInput {
  cameraId: string;
  /** Runs overlapping the range; include the run before `fromMs` to name the cause of a leading gap. */
  runs: readonly PlaybackRun[];
  /** Segments overlapping the range (any extra are filtered out). */
  segments: readonly Omit<PlaybackSegment, 'fragment_index'>[];
  fromMs: number;
  toMs: number;
  /** Gaps are reported up to now, never in the future. */
  nowMs: number;
}

interface Interval {
  startMs: number;
  endMs: number;
}

/** An open run ends at its last segment: beyond that nothing is playable yet. */
function effectiveEndMs(run: PlaybackRun, lastSegmentEndMs: ReadonlyMap<number, number>): number {
  return run.end_ms ?? Math.max(run.start_ms, lastSegmentEndMs.get(run.id) ?? run.start_ms);
}

/** Union of the segments' time spans, joining pieces closer than the tolerance. */
function coverage(segments: readonly Interval[]): Interval[] {
  const sorted = [...segments].sort((a, b) => a.startMs - b.startMs);
  const merged: Interval[] = [];
  for (const s of sorted) {
    const last = merged.at(-1);
    if (last && s.startMs <= last.endMs + CONTIGUITY_TOLERANCE_MS) last.endMs = Math.max(last.endMs, s.endMs);
    else merged.push({ ...s });
  }
  return merged;
}

/** Holes of `covered` inside [fromMs, toMs). */
function holes(covered: readonly Interval[], fromMs: number, toMs: number): Interval[] {
  const out: Interval[] = [];
  let cursor = fromMs;
  for (const c of covered) {
    if (c.endMs <= cursor) continue;
    if (c.startMs >= toMs) break;
    if (c.startMs > cursor) out.push({ startMs: cursor, endMs: c.startMs });
    cursor = c.endMs;
  }
  if (cursor < toMs) out.push({ startMs: cursor, endMs: toMs });
  return out;
}

export function buildTimeline(input: TimelineInput): Timeline {
  const { cameraId, fromMs, toMs, nowMs } = input;
  if (!(fromMs < toMs)) throw new PlaybackError('bad_time_range', `'from' must be before 'to'`, { reason: fromMs === toMs ? 'empty' : 'reversed' });
  const lastSegmentEndMs = new Map<number, number>();
  for (const s of input.segments) lastSegmentEndMs.set(s.run_id, Math.max(lastSegmentEndMs.get(s.run_id) ?? s.end_ms, s.end_ms));

  const runs = [...input.runs].sort((a, b) => a.start_ms - b.start_ms || a.id - b.id);
  const segments = input.segments
    .filter((s) => s.end_ms > fromMs && s.start_ms < toMs)
    .sort((a, b) => a.start_ms - b.start_ms || a.run_id - b.run_id || a.seq - b.seq);
  const runsInRange = runs.filter((r) => {
    const endMs = effectiveEndMs(r, lastSegmentEndMs);
    // A run with nothing recorded yet (open, no segment) still shows while its start is inside the range.
    return r.start_ms < toMs && (endMs > fromMs || (endMs === r.start_ms && r.start_ms >= fromMs));
  });

  // Gaps: holes in segment coverage up to now, split at run boundaries so that each piece has one cause.
  const gapEndMs = Math.min(toMs, nowMs);
  const boundaries = runs.flatMap((r) => [r.start_ms, effectiveEndMs(r, lastSegmentEndMs)]);
  const pieces = holes(coverage(segments.map((s) => ({ startMs: s.start_ms, endMs: s.end_ms }))), fromMs, gapEndMs).flatMap((hole) => {
    const cuts = [hole.startMs, ...boundaries.filter((b) => b > hole.startMs && b < hole.endMs).sort((a, b) => a - b), hole.endMs];
    return cuts.slice(1).map((endMs, i) => ({ startMs: cuts[i]!, endMs }));
  });
  const gaps: TimelineGap[] = [];
  for (const piece of pieces) {
    if (piece.endMs <= piece.startMs) continue;
    const cause = causeOf(piece, runs, lastSegmentEndMs, gapEndMs);
    const last = gaps.at(-1);
    if (last && last.endMs === piece.startMs && last.cause === cause) last.endMs = piece.endMs;
    else gaps.push({ ...piece, cause });
  }

  return {
    cameraId,
    fromMs,
    toMs,
    runs: runsInRange.map((r) => ({ id: r.id, startMs: r.start_ms, endMs: r.end_ms, startCause: r.start_cause, endCause: r.end_cause })),
    segments: segments.map((s) => ({
      id: s.id, runId: s.run_id, startMs: s.start_ms, endMs: s.end_ms, sizeBytes: s.size_bytes, frames: s.frames,
      codec: s.codec, width: s.width, height: s.height, status: s.status,
    })),
    gaps,
  };
}

function causeOf(piece: Interval, runs: readonly PlaybackRun[], lastSegmentEndMs: ReadonlyMap<number, number>, gapEndMs: number): string {
  // Inside a run: the run was recording, so its segments for this time are missing.
  if (runs.some((r) => r.start_ms <= piece.startMs && effectiveEndMs(r, lastSegmentEndMs) >= piece.endMs)) return CAUSE_MISSING_SEGMENTS;
  // Otherwise the run that ended last at or before the gap says why recording stopped.
  let before: PlaybackRun | undefined;
  for (const r of runs) {
    const endMs = effectiveEndMs(r, lastSegmentEndMs);
    if (endMs <= piece.startMs && (!before || endMs >= effectiveEndMs(before, lastSegmentEndMs))) before = r;
  }
  if (!before) return CAUSE_NOT_RECORDING;
  if (before.end_cause) return before.end_cause;
  const isLatest = runs.every((r) => r === before || r.start_ms < before.start_ms);
  return before.end_ms === null && isLatest && piece.endMs === gapEndMs ? CAUSE_IN_PROGRESS : CAUSE_NOT_RECORDING;
}
