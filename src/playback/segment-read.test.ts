import { describe, expect, it } from 'vitest';
import { PlaybackError } from './errors.js';
import { planSegmentRead, writeSegmentRead } from './segment-read.js';
import type { SegmentBytes, SegmentRef } from './types.js';

const segment = { id: 7, camera_id: 'cam-1', run_id: 1, seq: 0, start_ms: 1_764_057_600_000, size_bytes: 1000 };

describe('planSegmentRead', () => {
  it.each([
    ['no header', undefined, 0, 1000, null],
    ['a closed range', 'bytes=700-1699', 700, 300, 'bytes 700-999/1000'],
    ['a range inside', 'bytes=10-19', 10, 10, 'bytes 10-19/1000'],
    ['an open range', 'bytes=900-', 900, 100, 'bytes 900-999/1000'],
    ['a suffix', 'bytes=-100', 900, 100, 'bytes 900-999/1000'],
    ['a suffix longer than the file', 'bytes=-5000', 0, 1000, 'bytes 0-999/1000'],
    ['another unit (ignored)', 'items=0-5', 0, 1000, null],
    ['several ranges (ignored)', 'bytes=0-5,10-20', 0, 1000, null],
    ['a reversed range (ignored)', 'bytes=20-10', 0, 1000, null],
    ['garbage (ignored)', 'bytes=abc', 0, 1000, null],
  ])('%s', (_name, header, offset, length, contentRange) => {
    expect(planSegmentRead(segment, header)).toMatchObject({ offset, length, totalBytes: 1000, partial: contentRange !== null, contentRange });
  });

  it.each(['bytes=1000-', 'bytes=5000-6000', 'bytes=-0'])('refuses %s as not satisfiable', (header) => {
    expect(() => planSegmentRead(segment, header)).toThrow(expect.objectContaining({ code: 'range_not_satisfiable' }));
  });

  it('hands storage only the ref, not the row', () => {
    expect(planSegmentRead({ ...segment, fragment_index: Buffer.from([1]) } as typeof segment).segment).toEqual({
      id: 7, camera_id: 'cam-1', run_id: 1, seq: 0, start_ms: segment.start_ms,
    });
  });
});

describe('writeSegmentRead', () => {
  const file = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
  const reads: [number, number][] = [];
  const bytes: SegmentBytes = {
    read: async (_ref: SegmentRef, offset: number, length: number) => {
      reads.push([offset, length]);
      return file.subarray(offset, offset + length);
    },
  };

  it('streams the range in bounded reads', async () => {
    reads.length = 0;
    const chunks: Buffer[] = [];
    const written = await writeSegmentRead(planSegmentRead(segment, 'bytes=100-899'), bytes, (c) => void chunks.push(c), { maxReadBytes: 300 });
    expect(written).toBe(800);
    expect(reads).toEqual([[100, 300], [400, 300], [700, 200]]);
    expect(Buffer.concat(chunks).equals(file.subarray(100, 900))).toBe(true);
  });

  it('reports a short read as a corrupt segment', async () => {
    const short: SegmentBytes = { read: async () => Buffer.alloc(3) };
    await expect(writeSegmentRead(planSegmentRead(segment), short, () => {})).rejects.toThrow(PlaybackError);
    await expect(writeSegmentRead(planSegmentRead(segment), short, () => {})).rejects.toMatchObject({ code: 'segment_corrupt' });
  });
});
