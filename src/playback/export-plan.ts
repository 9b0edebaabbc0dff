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
//   `X-Vigil-Export-Truncated-At: <ms>` and `X-Vigil-Export-Truncated-Reason: format_change`; a client fetches the
//   rest with from = truncatedAtMs.
import { PlaybackError } from './errors.js';
import { CONTIGUITY_TOLERANCE_MS, formatKey, selectFragments, type BreakKind } from './selection.js';
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

export interface ExportPlan {
  cameraId: string;
  streamId: string;
  /** The range asked for. */
  fromMs: number;
  toMs: number;
  /** Wall time covered: from the keyframe cut to the end of the last fragment written. */
  startMs: number;
  endMs: number;
  format: VideoFormat;
  timescale: number;
  /** The init segment of the output: the first bytes of the first piece's segment file. */
  initSegment: PlaybackSegment;
  pieces: ExportPiece[];
  fragments: number;
  /** Length of the output's media timeline, in ticks. */
  durationTicks: number;
  /** Init plus fragments as stored. Exact unless a tfdt must grow from 32 to 64 bits (ffmpeg writes 64 already). */
  expectedSizeBytes: number;
  gapMode: ExportGapMode;
  gaps: ExportGap[];
  truncatedAtMs: number | null;
  truncatedReason: 'format_change' | null;
  /** The format found at `truncatedAtMs`. */
  nextFormat: VideoFormat | null;
}

export interface PlanExportInput {
  segments: readonly PlaybackSegment[];
  fromMs: number;
  toMs: number;
  gapMode?: ExportGapMode;
}

const formatOf = (s: PlaybackSegment): VideoFormat => ({ codec: s.codec, width: s.width, height: s.height });

/** Plans the export of [fromMs, toMs). Throws `PlaybackError('no_recording')` when nothing is recorded there. */
export function planExport(input: PlanExportInput): ExportPlan {
  const gapMode = input.gapMode ?? 'close';
  const { spans } = selectFragments(input.segments, input.fromMs, input.toMs);
  const first = spans[0];
  if (!first) throw new PlaybackError('no_recording', 'nothing recorded in the range');
  const { timescale } = first.segment;
  const pieces: ExportPiece[] = [];
  const gaps: ExportGap[] = [];
  let truncatedAtMs: number | null = null;
  let nextFormat: VideoFormat | null = null;
  let outputTicks = 0;
  for (const span of spans) {
    if (formatKey(span.segment) !== formatKey(first.segment)) {
      truncatedAtMs = Math.round(span.wallStartMs);
      nextFormat = formatOf(span.segment);
      break;
    }
    const prev = pieces.at(-1);
    if (prev && span.breakBefore) {
      const gapMs = span.wallStartMs - prev.wallEndMs;
      if (gapMs > CONTIGUITY_TOLERANCE_MS) {
        gaps.push({ startMs: Math.round(prev.wallEndMs), endMs: Math.round(span.wallStartMs), atOutputMs: Math.round((outputTicks * 1000) / timescale) });
        if (gapMode === 'keep') outputTicks += Math.round((gapMs * timescale) / 1000);
      }
    }
    pieces.push({
      segment: span.segment, firstFragment: span.first, endFragment: span.end, offset: span.offset, sizeBytes: span.sizeBytes,
      wallStartMs: span.wallStartMs, wallEndMs: span.wallEndMs, outputStartTicks: outputTicks, durationTicks: span.durationTicks,
      breakBefore: span.breakBefore,
    });
    outputTicks += span.durationTicks;
  }
  const last = pieces.at(-1)!;
  return {
    cameraId: first.segment.camera_id,
    streamId: first.segment.stream_id,
    fromMs: input.fromMs,
    toMs: input.toMs,
    startMs: Math.round(first.wallStartMs),
    endMs: Math.round(last.wallEndMs),
    format: formatOf(first.segment),
    timescale,
    initSegment: first.segment,
    pieces,
    fragments: pieces.reduce((n, p) => n + p.endFragment - p.firstFragment, 0),
    durationTicks: outputTicks,
    expectedSizeBytes: first.segment.init_size_bytes + pieces.reduce((n, p) => n + p.sizeBytes, 0),
    gapMode,
    gaps,
    truncatedAtMs,
    truncatedReason: truncatedAtMs === null ? null : 'format_change',
    nextFormat,
  };
}
