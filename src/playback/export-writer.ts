// Carries out an ExportPlan: streams init + re-timed fragments to a sink with bounded memory. Reads only through the
// injected SegmentBytes (never the file system) and changes nothing but each fragment's tfdt and mfhd sequence.
// The init goes out first, before any segment after the first is decoded: the plan's walk decodes one segment's
// fragment index at a time, as the writer reaches it, so memory holds one segment's index and one coalesced read.
// Failure mid-stream: the sink has already received bytes, so the caller must abort the response, not answer 500.
import { rewriteFragmentTiming } from '../media/index.js';
import { PlaybackError } from './errors.js';
import type { ExportPiece, ExportPlan } from './export-plan.js';
import type { TimedFragment } from './selection.js';
import { DEFAULT_MAX_READ_BYTES, toSegmentRef, type ByteSink, type PlaybackSegment, type SegmentBytes } from './types.js';

export interface WriteExportOptions {
  /** Upper bound of one coalesced read (a single larger fragment is still read whole). */
  maxReadBytes?: number;
  /** Stops between reads, e.g. when the HTTP client went away. */
  signal?: AbortSignal;
}

export interface ExportResult {
  bytes: number;
  fragments: number;
  startMs: number;
  endMs: number;
}

async function readExactly(bytes: SegmentBytes, segment: PlaybackSegment, offset: number, length: number): Promise<Buffer> {
  const data = await bytes.read(toSegmentRef(segment), offset, length);
  if (data.length !== length) {
    throw new PlaybackError('segment_corrupt', `segment ${segment.id}: read ${data.length} of ${length} bytes at ${offset}`, { segmentId: segment.id });
  }
  return data;
}

/** Groups consecutive fragments into reads of at most `maxReadBytes` (at least one fragment each). */
function* coalesce(fragments: readonly TimedFragment[], maxReadBytes: number): Generator<TimedFragment[]> {
  let group: TimedFragment[] = [];
  let groupBytes = 0;
  for (const f of fragments) {
    if (group.length > 0 && groupBytes + f.sizeBytes > maxReadBytes) {
      yield group;
      group = [];
      groupBytes = 0;
    }
    group.push(f);
    groupBytes += f.sizeBytes;
  }
  if (group.length > 0) yield group;
}

export async function writeExport(plan: ExportPlan, bytes: SegmentBytes, sink: ByteSink, options: WriteExportOptions = {}): Promise<ExportResult> {
  const maxReadBytes = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  options.signal?.throwIfAborted();
  const init = await readExactly(bytes, plan.initSegment, 0, plan.initSegment.init_size_bytes);
  if (init.toString('latin1', 4, 8) !== 'ftyp') {
    throw new PlaybackError('segment_corrupt', `segment ${plan.initSegment.id}: file does not start with an ftyp box`, { segmentId: plan.initSegment.id });
  }
  await sink(init);
  let written = init.length;
  let sequence = 1;
  let last: ExportPiece | null = null;
  for (const { piece, fragments: all } of plan.walk()) {
    const { segment } = piece;
    const fragments = all.slice(piece.firstFragment, piece.endFragment);
    let tfdtTicks = piece.outputStartTicks;
    last = piece;
    for (const group of coalesce(fragments, maxReadBytes)) {
      options.signal?.throwIfAborted();
      const start = group[0]!.offset;
      const end = group.at(-1)!.offset + group.at(-1)!.sizeBytes;
      const data = await readExactly(bytes, segment, start, end - start);
      for (const f of group) {
        let out: Buffer;
        try {
          out = rewriteFragmentTiming(data.subarray(f.offset - start, f.offset - start + f.sizeBytes), tfdtTicks, sequence);
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          throw new PlaybackError('segment_corrupt', `segment ${segment.id}: fragment at byte ${f.offset} unreadable: ${why}`, { segmentId: segment.id }, { cause: error });
        }
        await sink(out);
        written += out.length;
        sequence += 1;
        tfdtTicks += f.durationTicks;
      }
    }
  }
  return { bytes: written, fragments: sequence - 1, startMs: plan.startMs, endMs: last ? Math.round(last.wallEndMs) : plan.startMs };
}
