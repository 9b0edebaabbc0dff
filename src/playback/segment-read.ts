// Reads of a segment file's bytes for the HLS player (the playlist's EXT-X-MAP and EXT-X-BYTERANGE point here).
// Owns the HTTP Range rules (RFC 9110 §14) so the route stays thin; reads only through the injected SegmentBytes.
import { PlaybackError } from './errors.js';
import { DEFAULT_MAX_READ_BYTES, toSegmentRef, type ByteSink, type PlaybackSegment, type SegmentBytes, type SegmentRef } from './types.js';

export interface SegmentRead {
  segment: SegmentRef;
  offset: number;
  length: number;
  totalBytes: number;
  /** True when a range was served (HTTP 206 with `contentRange`), false for the whole file (200). */
  partial: boolean;
  /** `bytes first-last/total`, or null for the whole file. */
  contentRange: string | null;
}

type SizedSegment = SegmentRef & Pick<PlaybackSegment, 'size_bytes'>;

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/i;

function whole(segment: SizedSegment): SegmentRead {
  return { segment: toSegmentRef(segment), offset: 0, length: segment.size_bytes, totalBytes: segment.size_bytes, partial: false, contentRange: null };
}

/**
 * Decides what to send for a request with an optional `Range` header. A header that is not one well-formed byte
 * range is ignored (the whole file is sent, as RFC 9110 allows); a range starting past the end is refused with
 * `PlaybackError('range_not_satisfiable')` (HTTP 416 with `Content-Range: bytes * /total`).
 */
export function planSegmentRead(segment: SizedSegment, rangeHeader?: string): SegmentRead {
  const match = rangeHeader ? SINGLE_RANGE.exec(rangeHeader.trim()) : null;
  if (!match) return whole(segment);
  const [, firstText = '', lastText = ''] = match;
  const total = segment.size_bytes;
  let first: number;
  let last: number;
  if (firstText === '') {
    if (lastText === '') return whole(segment);
    const suffix = Number(lastText);
    first = Math.max(0, total - suffix);
    last = total - 1;
    if (suffix === 0) first = total; // refused below: an empty suffix selects nothing
  } else {
    first = Number(firstText);
    last = lastText === '' ? total - 1 : Math.min(Number(lastText), total - 1);
    if (lastText !== '' && Number(lastText) < first) return whole(segment);
  }
  if (first >= total || !Number.isSafeInteger(first)) {
    throw new PlaybackError('range_not_satisfiable', `byte range '${rangeHeader}' is outside the segment file (${total} bytes)`, { segmentId: segment.id });
  }
  const length = last - first + 1;
  return { segment: toSegmentRef(segment), offset: first, length, totalBytes: total, partial: true, contentRange: `bytes ${first}-${last}/${total}` };
}

/** Streams the planned bytes in reads of at most `maxReadBytes`; returns the number of bytes written. */
export async function writeSegmentRead(
  read: SegmentRead,
  bytes: SegmentBytes,
  sink: ByteSink,
  options: { maxReadBytes?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const maxReadBytes = options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  let written = 0;
  while (written < read.length) {
    options.signal?.throwIfAborted();
    const length = Math.min(maxReadBytes, read.length - written);
    const data = await bytes.read(read.segment, read.offset + written, length);
    if (data.length !== length) {
      throw new PlaybackError('segment_corrupt', `segment ${read.segment.id}: read ${data.length} of ${length} bytes at ${read.offset + written}`, { segmentId: read.segment.id });
    }
    await sink(data);
    written += length;
  }
  return written;
}
