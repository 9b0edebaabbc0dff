// The plan of a single-MP4 export of a time range: which fragments of which segment files, in order, and the media
// time each gets in the output. Pure (rows in, plan out); `writeExport` carries it out through a SegmentBytes.
//
// Decisions, stated once here:
// - Cut: the export starts at the keyframe fragment at or before `from` (a file cannot start mid-GOP) and ends with
//   the fragment covering `to`; the plan's startMs/endMs say what is really covered.
// - Gaps: by default ('close') the output's media time runs on without a hole where recording stopped, so players
//   show a jump cut rather than a frozen frame that would look like footage of an unchanging scene. The plan lists
//   each closed gap (wall start/end and where it sits in the output) for the route to pass on. 'keep' instead
//   advances tfdt by the gap's wall length, so output time = wall time - startMs.
// - Format change: one MP4 has one init segment. If codec, resolution or timescale change inside the range, the
//   export stops before the change: `truncatedAtMs` (wall time of the first fragment left out) and
//   `truncatedReason: 'format_change'`. The route answers 200 with the part before it and the headers
//   `x-vigil-truncated-at-ms: <ms>` and `x-vigil-truncated-reason: format_change`; a client fetches the rest with
//   from = truncatedAtMs.
// - Time to first byte: the route sends start, end and truncation as headers before the first byte, so those are
//   computed up front, from the first segment's index, the rows, and the indexes of the last segments only
//   (export-bounds.ts): constant work whatever the range's length. Everything else (pieces, gaps, totals) comes from
//   `walk()`, which decodes one segment at a time as it is consumed; `writeExport` writes while walking. The
//   `pieces`/`gaps`/totals fields walk the whole range on first read (for tests and tools, not before a first byte).
//   A segment whose index is corrupt is therefore reported when the walk reaches it, mid-stream for the middle ones.
import { PlaybackError } from './errors.js';
import { findExportEnd } from './export-bounds.js';
import { CONTIGUITY_TOLERANCE_MS, noRecordingBetween, sameFormat, sortSegments, walkSpans, type BreakKind, type TimedFragment } from './selection.js';
import type { PlaybackSegment } from './types.js';

export type ExportGapMode = 'close' | 'keep';

/** Consecutive fragments of one segment file, as they go into the output. */
export interface ExportPiece {
  segment: PlaybackSegment;
  /** Fragments [firstFragment, endFragment) of the segment's fragment index. */
  firstFragment: number;
  endFragment: number;
  /** Byte range of those fragments in the segment file. */
  offset: number;
  sizeBytes: number;
  wallStartMs: number;
  wallEndMs: number;
  /** tfdt given to the piece's first fragment in the output, in `timescale` ticks. */
  outputStartTicks: number;
  durationTicks: number;
  breakBefore: BreakKind | null;
}

export interface ExportGap {
  startMs: number;
  endMs: number;
  /** Where the gap sits in the output's media time, in ms from its start. */
  atOutputMs: number;
}

export interface VideoFormat {
  codec: string;
  width: number;
  height: number;
}

/** A piece as the walk produces it: with its segment's decoded fragments and the gap closed before it, if any. */
export interface WalkedPiece {
  piece: ExportPiece;
  /** Every fragment of `piece.segment` (the piece is [firstFragment, endFragment) of them). */
  fragments: readonly TimedFragment[];
  gapBefore: ExportGap | null;
}

export interface ExportPlan {
  cameraId: string;
  streamId: string;
  /** The range asked for. */
  fromMs: number;
  toMs: number;
  /** Wall time covered: from the keyframe cut to the end of the last fragment written. Known before any byte. */
  startMs: number;
  endMs: number;
  format: VideoFormat;
  timescale: number;
  /** The init segment of the output: the first bytes of the first piece's segment file. */
  initSegment: PlaybackSegment;
  gapMode: ExportGapMode;
  truncatedAtMs: number | null;
  truncatedReason: 'format_change' | null;
  /** The format found at `truncatedAtMs`. */
  nextFormat: VideoFormat | null;
  /**
   * The pieces in output order, computed as they are consumed: one segment's index decoded (and held) at a time.
   * Throws `segment_corrupt` when a segment's index is unreadable, or when the walk does not end where `endMs` and
   * `truncatedAtMs` said (rows that disagree with their indexes).
   */
  walk(): Generator<WalkedPiece, void, undefined>;
  // Totals of the whole walk, computed on first read (decodes every segment of the range: not before a first byte).
  readonly pieces: ExportPiece[];
  readonly fragments: number;
  /** Length of the output's media timeline, in ticks. */
  readonly durationTicks: number;
  /** Init plus fragments as stored. Exact unless a tfdt must grow from 32 to 64 bits (ffmpeg writes 64 already). */
  readonly expectedSizeBytes: number;
  readonly gaps: ExportGap[];
}

export interface PlanExportInput {
  segments: readonly PlaybackSegment[];
  fromMs: number;
  toMs: number;
  gapMode?: ExportGapMode;
}

const formatOf = (s: PlaybackSegment): VideoFormat => ({ codec: s.codec, width: s.width, height: s.height });

interface WalkInput {
  sorted: readonly PlaybackSegment[];
  fromMs: number;
  toMs: number;
  gapMode: ExportGapMode;
  endMs: number;
  truncatedAtMs: number | null;
}

/** The pieces of the export, exactly as the previous all-at-once planner made them, one segment at a time. */
function* walkExport(input: WalkInput): Generator<WalkedPiece, void, undefined> {
  let reference: PlaybackSegment | null = null;
  let prev: ExportPiece | null = null;
  let outputTicks = 0;
  let truncatedAtMs: number | null = null;
  for (const { span, fragments } of walkSpans(input.sorted, input.fromMs, input.toMs)) {
    reference ??= span.segment;
    if (!sameFormat(span.segment, reference)) {
      truncatedAtMs = Math.round(span.wallStartMs);
      break;
    }
    const { timescale } = reference;
    let gapBefore: ExportGap | null = null;
    if (prev && span.breakBefore) {
      const gapMs = span.wallStartMs - prev.wallEndMs;
      if (gapMs > CONTIGUITY_TOLERANCE_MS) {
        gapBefore = { startMs: Math.round(prev.wallEndMs), endMs: Math.round(span.wallStartMs), atOutputMs: Math.round((outputTicks * 1000) / timescale) };
        if (input.gapMode === 'keep') outputTicks += Math.round((gapMs * timescale) / 1000);
      }
    }
    const piece: ExportPiece = {
      segment: span.segment, firstFragment: span.first, endFragment: span.end, offset: span.offset, sizeBytes: span.sizeBytes,
      wallStartMs: span.wallStartMs, wallEndMs: span.wallEndMs, outputStartTicks: outputTicks, durationTicks: span.durationTicks,
      breakBefore: span.breakBefore,
    };
    outputTicks += span.durationTicks;
    prev = piece;
    yield { piece, fragments, gapBefore };
  }
  const endMs = prev ? Math.round(prev.wallEndMs) : null;
  if (endMs !== input.endMs || truncatedAtMs !== input.truncatedAtMs) {
    const segmentId = prev?.segment.id ?? input.sorted[0]?.id;
    throw new PlaybackError(
      'segment_corrupt',
      `segment rows disagree with their fragment indexes: the export ends at ${endMs} (format change at ${truncatedAtMs}), ` +
        `not at ${input.endMs} (${input.truncatedAtMs}) as the rows said; vigil check --storage reports the segments`,
      segmentId === undefined ? {} : { segmentId },
    );
  }
}

interface WalkTotals {
  pieces: ExportPiece[];
  fragments: number;
  durationTicks: number;
  sizeBytes: number;
  gaps: ExportGap[];
}

function totalsOf(walk: Iterable<WalkedPiece>): WalkTotals {
  const totals: WalkTotals = { pieces: [], fragments: 0, durationTicks: 0, sizeBytes: 0, gaps: [] };
  for (const { piece, gapBefore } of walk) {
    totals.pieces.push(piece);
    if (gapBefore) totals.gaps.push(gapBefore);
    totals.fragments += piece.endFragment - piece.firstFragment;
    totals.sizeBytes += piece.sizeBytes;
  }
  const last = totals.pieces.at(-1);
  totals.durationTicks = last ? last.outputStartTicks + last.durationTicks : 0; // gaps kept in 'keep' mode included
  return totals;
}

/**
 * Plans the export of [fromMs, toMs): decodes the index of the first segment (and of the last ones, see
 * export-bounds.ts), not of the segments in between. Throws `PlaybackError('no_recording')` when nothing is
 * recorded there.
 */
export function planExport(input: PlanExportInput): ExportPlan {
  const gapMode = input.gapMode ?? 'close';
  const { fromMs, toMs } = input;
  const sorted = sortSegments(input.segments);
  const head = walkSpans(sorted, fromMs, toMs).next();
  if (head.done) throw noRecordingBetween(fromMs, toMs);
  const first = head.value.span;
  const end = findExportEnd(sorted, head.value, toMs);
  const endMs = Math.round(end.last.wallEndMs);
  const truncatedAtMs = end.truncation ? Math.round(end.truncation.fragment.wallStartMs) : null;
  const walk = (): Generator<WalkedPiece, void, undefined> => walkExport({ sorted, fromMs, toMs, gapMode, endMs, truncatedAtMs });
  let totals: WalkTotals | null = null;
  const all = (): WalkTotals => (totals ??= totalsOf(walk()));
  return {
    cameraId: first.segment.camera_id,
    streamId: first.segment.stream_id,
    fromMs,
    toMs,
    startMs: Math.round(first.wallStartMs),
    endMs,
    format: formatOf(first.segment),
    timescale: first.segment.timescale,
    initSegment: first.segment,
    gapMode,
    truncatedAtMs,
    truncatedReason: truncatedAtMs === null ? null : 'format_change',
    nextFormat: end.truncation ? formatOf(end.truncation.segment) : null,
    walk,
    get pieces() {
      return all().pieces;
    },
    get fragments() {
      return all().fragments;
    },
    get durationTicks() {
      return all().durationTicks;
    },
    get expectedSizeBytes() {
      return first.segment.init_size_bytes + all().sizeBytes;
    },
    get gaps() {
      return all().gaps;
    },
  };
}
