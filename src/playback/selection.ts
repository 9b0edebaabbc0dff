// Which fragments of which segment files cover a time range: the seeking logic shared by HLS and export. Pure: it
// reads the fragment index blobs of the rows it is given (architecture §3: seeking uses the index, never a file scan).
// Owns the cut rules: start at the keyframe fragment at or before `from`, end with the fragment covering `to`, and
// after any break in continuity start again only at a keyframe (a decoder cannot start mid-GOP).
// The walk is a generator (`walkSpans`) that decodes a segment's index only when it reaches that segment, so an
// export can start writing after decoding the first segment and hold one segment's fragments at a time;
// `selectFragments` collects the whole walk (HLS needs every span for its playlist anyway).
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

/** `formatKey(a) === formatKey(b)` without building strings: an export scans every row of its range with it. */
export function sameFormat(a: PlaybackSegment, b: PlaybackSegment): boolean {
  return a.codec === b.codec && a.width === b.width && a.height === b.height && a.timescale === b.timescale;
}

const bySegmentTime = (a: PlaybackSegment, b: PlaybackSegment): number => a.start_ms - b.start_ms || a.run_id - b.run_id || a.seq - b.seq;

/**
 * Sorts by wall time and checks the rows are of one stream (HLS and export are per stream). Rows from the repo come
 * in time order already (a month is 44,640 of them): one pass checks both, and only rows out of order are sorted.
 */
export function sortSegments<S extends PlaybackSegment>(segments: readonly S[]): S[] {
  let ordered = true;
  for (let i = 1; i < segments.length; i++) {
    const a = segments[i - 1]!;
    const b = segments[i]!;
    if (a.stream_id !== b.stream_id) {
      const streams = new Set(segments.map((s) => s.stream_id));
      throw new PlaybackError('mixed_streams', `segments of ${streams.size} streams given; playback works on one stream at a time`);
    }
    if (ordered && bySegmentTime(a, b) > 0) ordered = false;
  }
  return ordered ? [...segments] : [...segments].sort(bySegmentTime);
}

/** A fragment and the segment it belongs to. */
export interface Cursor {
  segment: PlaybackSegment;
  fragment: TimedFragment;
}

/** Why `next` does not continue `prev` seamlessly (null when it does). */
export function breakBetween(prev: Cursor, next: Cursor): BreakKind | null {
  if (!sameFormat(prev.segment, next.segment)) return 'format_change';
  if (prev.segment.run_id !== next.segment.run_id) return 'run_change';
  const prevEndTicks = prev.segment.media_start + prev.fragment.startTicks + prev.fragment.durationTicks;
  if (next.segment.media_start + next.fragment.startTicks !== prevEndTicks) return 'media_jump';
  if (Math.abs(next.fragment.wallStartMs - prev.fragment.wallEndMs) > CONTIGUITY_TOLERANCE_MS) return 'wall_jump';
  return null;
}

/** Where to start: the keyframe fragment at or before the first fragment overlapping the range, walking back only
 *  through contiguous recording. Returns the segment position (and its decoded fragments), fragment index and
 *  whether a keyframe was found. */
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
      if (j >= 0) return { segmentIndex: seg, fragmentIndex: j, keyframeFound: true, fragments: frags };
      const prev = sorted[seg - 1];
      if (!prev) break;
      const prevFrags = fragmentsOf(prev);
      const prevLast = prevFrags.at(-1);
      if (!prevLast || breakBetween({ segment: prev, fragment: prevLast }, { segment: sorted[seg]!, fragment: frags[0]! }) !== null) break;
      seg -= 1;
      frags = prevFrags;
      j = frags.length - 1;
    }
    return { segmentIndex: s, fragmentIndex: i, keyframeFound: false, fragments };
  }
  return null;
}

/** One step of the walk: the span selected in `sorted[index]`, with that segment's decoded fragments. */
export interface WalkStep {
  index: number;
  span: Span;
  fragments: readonly TimedFragment[];
}

/**
 * Walks the fragments covering [fromMs, toMs) of time-sorted rows: from the keyframe at or before `fromMs` through
 * the fragment covering `toMs`, one span per segment, each yielded once its segment is done. Fragments that follow a
 * break but precede the next keyframe are left out (undecodable). A segment's index is decoded when the walk reaches
 * it, so a consumer that stops early has decoded nothing beyond that point.
 */
export function* walkSpans(sorted: readonly PlaybackSegment[], fromMs: number, toMs: number): Generator<WalkStep, void, undefined> {
  const start = findStart(sorted, fromMs, toMs);
  if (!start) return;
  let prev: Cursor | null = null;
  let needKeyframe = !start.keyframeFound;
  let pendingBreak: BreakKind | null = null;
  for (let s = start.segmentIndex; s < sorted.length; s++) {
    const segment = sorted[s]!;
    const fragments = s === start.segmentIndex ? start.fragments : fragmentsOf(segment);
    let span: Span | null = null;
    let ended = false;
    for (let i = s === start.segmentIndex ? start.fragmentIndex : 0; i < fragments.length; i++) {
      const fragment = fragments[i]!;
      if (fragment.wallStartMs >= toMs) {
        ended = true;
        break;
      }
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
      }
      span.end = i + 1;
      span.sizeBytes += fragment.sizeBytes;
      span.durationTicks += fragment.durationTicks;
      span.wallEndMs = fragment.wallEndMs;
      prev = { segment, fragment };
    }
    if (span) yield { index: s, span, fragments };
    if (ended) return;
  }
}

/** The error for a range with nothing playable in it. */
export function noRecordingBetween(fromMs: number, toMs: number): PlaybackError {
  return new PlaybackError('no_recording', `nothing recorded between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}`);
}

/**
 * Selects the fragments covering [fromMs, toMs) (the whole `walkSpans`).
 * Throws `PlaybackError('no_recording')` when nothing playable overlaps the range.
 */
export function selectFragments(segments: readonly PlaybackSegment[], fromMs: number, toMs: number): Selection {
  const spans: Span[] = [];
  for (const step of walkSpans(sortSegments(segments), fromMs, toMs)) spans.push(step.span);
  const first = spans[0];
  const last = spans.at(-1);
  if (!first || !last) throw noRecordingBetween(fromMs, toMs);
  return { spans, startMs: first.wallStartMs, endMs: last.wallEndMs };
}
