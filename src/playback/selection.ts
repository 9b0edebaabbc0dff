// Which fragments of which segment files cover a time range: the seeking logic shared by HLS and export. Pure: it
// reads the fragment index blobs of the rows it is given (architecture §3: seeking uses the index, never a file scan).
// Owns the cut rules: start at the keyframe fragment at or before `from`, end with the fragment covering `to`, and
// after any break in continuity start again only at a keyframe (a decoder cannot start mid-GOP).
import { decodeFragmentIndex, type PlacedFragment } from '../recording/index.js';
import { PlaybackError } from './errors.js';
import type { PlaybackSegment } from './types.js';

/**
 * Wall-clock slack within which two pieces of recording count as touching. Segment times are anchored to the wall
 * clock and drift-corrected by the recorder, so consecutive segments of one run may differ by a few ms; a real gap
 * (reconnect back-off, store full) is at least a second.
 */
export const CONTIGUITY_TOLERANCE_MS = 100;

/** A fragment placed in wall time: `segment.start_ms + startTicks * 1000 / timescale`. */
export interface TimedFragment extends PlacedFragment {
  wallStartMs: number;
  wallEndMs: number;
}

/** Why playback cannot simply continue from one span to the next. */
export type BreakKind =
  | 'run_change' // a new recording run: media time restarted (new ffmpeg process)
  | 'format_change' // codec, resolution or timescale differ from the span before
  | 'media_jump' // same run but media time is not contiguous (a segment is missing)
  | 'wall_jump'; // media contiguous but wall time jumps (clock step beyond the tolerance)

/** Consecutive selected fragments of one segment file: fragments [first, end) of its index. */
export interface Span {
  segment: PlaybackSegment;
  first: number;
  end: number;
  /** Byte range of these fragments in the segment file. */
  offset: number;
  sizeBytes: number;
  /** Media time of the first fragment relative to the segment's first fragment, and the span's length, in ticks. */
  startTicks: number;
  durationTicks: number;
  wallStartMs: number;
  wallEndMs: number;
  /** Null for the first span and where the previous span continues seamlessly into this one. */
  breakBefore: BreakKind | null;
}

export interface Selection {
  spans: Span[];
  /** Wall time of the first selected fragment (at or before `from`) and the end of the last (at or after `to`). */
  startMs: number;
  endMs: number;
}

/** Decodes a segment's fragment index and places each fragment in wall time, checking it against the row. */
export function fragmentsOf(segment: PlaybackSegment): TimedFragment[] {
  const corrupt = (why: string, cause?: unknown): PlaybackError =>
    new PlaybackError('segment_corrupt', `segment ${segment.id}: ${why}`, { segmentId: segment.id }, cause === undefined ? undefined : { cause });
  if (!Number.isSafeInteger(segment.timescale) || segment.timescale <= 0) throw corrupt(`timescale ${segment.timescale} is not a positive integer`);
  let placed: PlacedFragment[];
  try {
    placed = decodeFragmentIndex(segment.fragment_index, segment.init_size_bytes);
  } catch (error) {
    throw corrupt(`fragment index unreadable: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  const last = placed.at(-1);
  if (last && last.offset + last.sizeBytes > segment.size_bytes) {
    throw corrupt(`fragment index reaches byte ${last.offset + last.sizeBytes} but the file has ${segment.size_bytes}`);
  }
  const msPerTick = 1000 / segment.timescale;
  return placed.map((f) => ({
    ...f,
    wallStartMs: segment.start_ms + f.startTicks * msPerTick,
    wallEndMs: segment.start_ms + (f.startTicks + f.durationTicks) * msPerTick,
  }));
}

/** Codec, resolution and timescale: what must stay the same for one init segment to describe the fragments. */
export function formatKey(segment: PlaybackSegment): string {
  return `${segment.codec} ${segment.width}x${segment.height} @${segment.timescale}`;
}

/** Sorts by wall time and checks the rows are of one stream (HLS and export are per stream). */
export function sortSegments<S extends PlaybackSegment>(segments: readonly S[]): S[] {
  const streams = new Set(segments.map((s) => s.stream_id));
  if (streams.size > 1) throw new PlaybackError('mixed_streams', `segments of ${streams.size} streams given; playback works on one stream at a time`);
  return [...segments].sort((a, b) => a.start_ms - b.start_ms || a.run_id - b.run_id || a.seq - b.seq);
}

interface Cursor {
  segment: PlaybackSegment;
  fragment: TimedFragment;
}

function breakBetween(prev: Cursor, next: Cursor): BreakKind | null {
  if (formatKey(prev.segment) !== formatKey(next.segment)) return 'format_change';
  if (prev.segment.run_id !== next.segment.run_id) return 'run_change';
  const prevEndTicks = prev.segment.media_start + prev.fragment.startTicks + prev.fragment.durationTicks;
  if (next.segment.media_start + next.fragment.startTicks !== prevEndTicks) return 'media_jump';
  if (Math.abs(next.fragment.wallStartMs - prev.fragment.wallEndMs) > CONTIGUITY_TOLERANCE_MS) return 'wall_jump';
  return null;
}

/** Where to start: the keyframe fragment at or before the first fragment overlapping the range, walking back only
 *  through contiguous recording. Returns the segment position, fragment index and whether a keyframe was found. */
function findStart(sorted: readonly PlaybackSegment[], fromMs: number, toMs: number) {
  for (let s = 0; s < sorted.length; s++) {
    const fragments = fragmentsOf(sorted[s]!);
    const i = fragments.findIndex((f) => f.wallEndMs > fromMs && f.wallStartMs < toMs);
    if (i < 0) continue;
    let seg = s;
    let frags = fragments;
    let j = i;
    for (;;) {
      while (j >= 0 && !frags[j]!.keyframe) j--;
      if (j >= 0) return { segmentIndex: seg, fragmentIndex: j, keyframeFound: true };
      const prev = sorted[seg - 1];
      if (!prev) break;
      const prevFrags = fragmentsOf(prev);
      const prevLast = prevFrags.at(-1);
      if (!prevLast || breakBetween({ segment: prev, fragment: prevLast }, { segment: sorted[seg]!, fragment: frags[0]! }) !== null) break;
      seg -= 1;
      frags = prevFrags;
      j = frags.length - 1;
    }
    return { segmentIndex: s, fragmentIndex: i, keyframeFound: false };
  }
  return null;
}

/**
 * Selects the fragments covering [fromMs, toMs): from the keyframe at or before `fromMs` through the fragment
 * covering `toMs`. Fragments that follow a break but precede the next keyframe are left out (undecodable).
 * Throws `PlaybackError('no_recording')` when nothing playable overlaps the range.
 */
export function selectFragments(segments: readonly PlaybackSegment[], fromMs: number, toMs: number): Selection {
  const sorted = sortSegments(segments);
  const start = findStart(sorted, fromMs, toMs);
  const spans: Span[] = [];
  let prev: Cursor | null = null;
  let needKeyframe = start ? !start.keyframeFound : false;
  let pendingBreak: BreakKind | null = null;
  outer: for (let s = start?.segmentIndex ?? sorted.length; s < sorted.length; s++) {
    const segment = sorted[s]!;
    const fragments = fragmentsOf(segment);
    let span: Span | null = null;
    for (let i = s === start?.segmentIndex ? start.fragmentIndex : 0; i < fragments.length; i++) {
      const fragment = fragments[i]!;
      if (fragment.wallStartMs >= toMs) break outer;
      const kind: BreakKind | null = prev && !span ? breakBetween(prev, { segment, fragment }) : null;
      if (kind) {
        needKeyframe = true;
        pendingBreak ??= kind;
      }
      if (needKeyframe && !fragment.keyframe) continue;
      needKeyframe = false;
      if (!span) {
        span = {
          segment, first: i, end: i, offset: fragment.offset, sizeBytes: 0, startTicks: fragment.startTicks, durationTicks: 0,
          wallStartMs: fragment.wallStartMs, wallEndMs: fragment.wallStartMs, breakBefore: pendingBreak,
        };
        pendingBreak = null;
        spans.push(span);
      }
      span.end = i + 1;
      span.sizeBytes += fragment.sizeBytes;
      span.durationTicks += fragment.durationTicks;
      span.wallEndMs = fragment.wallEndMs;
      prev = { segment, fragment };
    }
  }
  const first = spans[0];
  const last = spans.at(-1);
  if (!first || !last) {
    throw new PlaybackError('no_recording', `nothing recorded between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}`);
  }
  return { spans, startMs: first.wallStartMs, endMs: last.wallEndMs };
}
