// Playback's inputs: the rows it is handed and the byte source it reads through. Owns no table and no file: the
// recording repo supplies rows (by camera and time, using the index), storage supplies bytes. Nothing here may
// import storage or query the database, so the access gate can wrap this module's API without touching callers.
import type { RecordingRunRow, SegmentRow } from '../db/index.js';

/** What storage needs to find a segment's file (`<store>/<cameraId>/<yyyymmdd>/<segmentId>.mp4`, storage §4.6). */
export type SegmentRef = Pick<SegmentRow, 'id' | 'camera_id' | 'run_id' | 'seq' | 'start_ms'>;

/** The fields of a segment row playback uses. A full `SegmentRow` fits. */
export type PlaybackSegment = Pick<
  SegmentRow,
  | 'id' | 'camera_id' | 'stream_id' | 'run_id' | 'seq' | 'start_ms' | 'end_ms' | 'media_start' | 'timescale'
  | 'size_bytes' | 'init_size_bytes' | 'frames' | 'codec' | 'width' | 'height' | 'status' | 'fragment_index'
>;

/** The fields of a recording run playback uses. A full `RecordingRunRow` fits. */
export type PlaybackRun = Pick<RecordingRunRow, 'id' | 'camera_id' | 'stream_id' | 'start_ms' | 'end_ms' | 'start_cause' | 'end_cause'>;

/**
 * Reads bytes of a segment file; storage implements it (path safety, decryption). It must return exactly `length`
 * bytes or throw: a short read means the file no longer matches its row, which playback reports as corruption.
 */
export interface SegmentBytes {
  read(segment: SegmentRef, offset: number, length: number): Promise<Buffer>;
}

/** Reads of consecutive bytes are coalesced up to this size: few reads, and memory stays at a few MiB per stream. */
export const DEFAULT_MAX_READ_BYTES = 4 * 1024 * 1024;

/** Receives output bytes in order; awaiting it is the back-pressure (an HTTP response's drain, a file write). */
export type ByteSink = (chunk: Buffer) => Promise<void> | void;

/** The ref of a segment, without the index blob and the rest of the row: storage gets only what it needs. */
export function toSegmentRef(segment: SegmentRef): SegmentRef {
  return { id: segment.id, camera_id: segment.camera_id, run_id: segment.run_id, seq: segment.seq, start_ms: segment.start_ms };
}
