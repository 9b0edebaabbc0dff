import { beforeEach, describe, expect, it, vi } from 'vitest';
import { PlaybackError } from './errors.js';
import { planExport } from './export-plan.js';
import { writeExport } from './export-writer.js';
import { runSegments, seconds, TIMESCALE } from './test-fixtures.js';
import type { SegmentBytes, SegmentRef } from './types.js';

// The real retiming is exercised end to end in export.ffmpeg.test.ts; here it records what it was asked to do.
const rewrites = vi.hoisted(() => [] as { tfdt: number; sequence: number; tag: string }[]);
vi.mock(import('../media/index.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  rewriteFragmentTiming: (data: Buffer, tfdt: number, sequence: number) => {
    if (data.toString('latin1', 0, 3) === 'BAD') throw new Error('not a moof');
    rewrites.push({ tfdt, sequence, tag: data.toString('latin1', 0, 8) });
    return Buffer.from(data);
  },
}));

const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const s = (n: number) => T0 + n * 1000;
const run1 = runSegments({ runId: 1, startMs: s(0), segments: [seconds(4, [0, 2]), seconds(4, [0])] });
const run2 = runSegments({ runId: 2, startMs: s(20), segments: [seconds(3)] });
const all = [...run1, ...run2];

/** Segment files: an ftyp-headed init, then each fragment filled with its tag `s<id>f<index>`. */
function fileOf(id: number): Buffer {
  const seg = all.find((x) => x.id === id)!;
  const init = Buffer.alloc(seg.init_size_bytes);
  init.write('\0\0\0\x08ftyp', 'latin1');
  const fragments = Array.from({ length: (seg.size_bytes - seg.init_size_bytes) / 1000 }, (_, i) => {
    const f = Buffer.alloc(1000, 0x20);
    f.write(`s${id}f${i}`.padEnd(8, '.'), 'latin1');
    return f;
  });
  return Buffer.concat([init, ...fragments]);
}

function fakeBytes(files: Map<number, Buffer> = new Map(all.map((x) => [x.id, fileOf(x.id)]))) {
  const reads: [number, number, number][] = [];
  const bytes: SegmentBytes = {
    read: async (ref: SegmentRef, offset: number, length: number) => {
      expect(Object.keys(ref).sort()).toEqual(['camera_id', 'id', 'run_id', 'seq', 'start_ms']);
      reads.push([ref.id, offset, length]);
      return files.get(ref.id)!.subarray(offset, offset + length);
    },
  };
  return { bytes, reads, files };
}

beforeEach(() => {
  rewrites.length = 0;
});

describe('writeExport', () => {
  it('writes the init then every fragment retimed, in coalesced reads of bounded size', async () => {
    const plan = planExport({ segments: all, fromMs: s(2.5), toMs: s(21) });
    const { bytes, reads } = fakeBytes();
    const chunks: Buffer[] = [];
    const result = await writeExport(plan, bytes, async (c) => void chunks.push(c), { maxReadBytes: 2500 });
    expect(reads).toEqual([[100, 0, 700], [100, 2700, 2000], [101, 700, 2000], [101, 2700, 2000], [200, 700, 1000]]);
    expect(rewrites.map((r) => [r.tag, r.tfdt / TIMESCALE, r.sequence])).toEqual([
      ['s100f2..', 0, 1], ['s100f3..', 1, 2], ['s101f0..', 2, 3], ['s101f1..', 3, 4], ['s101f2..', 4, 5], ['s101f3..', 5, 6],
      ['s200f0..', 6, 7],
    ]);
    expect(result).toEqual({ bytes: 700 + 7000, fragments: 7, startMs: s(2), endMs: s(21) });
    expect(Buffer.concat(chunks).length).toBe(plan.expectedSizeBytes);
    expect(chunks[0]!.toString('latin1', 4, 8)).toBe('ftyp');
  });

  it('keeps wall-clock gaps in tfdt in keep mode', async () => {
    const plan = planExport({ segments: all, fromMs: s(6), toMs: s(22), gapMode: 'keep' });
    await writeExport(plan, fakeBytes().bytes, () => {});
    expect(rewrites.map((r) => r.tfdt / TIMESCALE)).toEqual([0, 1, 2, 3, 16, 17]);
  });

  it('reports a short read, a missing ftyp and an unreadable fragment as segment_corrupt', async () => {
    const plan = planExport({ segments: run1, fromMs: s(0), toMs: s(8) });
    const short = fakeBytes();
    short.files.set(101, short.files.get(101)!.subarray(0, 2000));
    await expect(writeExport(plan, short.bytes, () => {})).rejects.toMatchObject({ code: 'segment_corrupt', detail: { segmentId: 101 } });

    const noFtyp = fakeBytes();
    noFtyp.files.set(100, Buffer.concat([Buffer.alloc(700), noFtyp.files.get(100)!.subarray(700)]));
    await expect(writeExport(plan, noFtyp.bytes, () => {})).rejects.toThrow(/ftyp/);

    const bad = fakeBytes();
    bad.files.get(101)!.write('BAD', 1700, 'latin1');
    const error = await writeExport(plan, bad.bytes, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlaybackError);
    expect(error).toMatchObject({ code: 'segment_corrupt', message: expect.stringMatching(/segment 101: fragment at byte 1700 unreadable: not a moof/) });
  });

  it('stops when aborted', async () => {
    const plan = planExport({ segments: run1, fromMs: s(0), toMs: s(8) });
    const controller = new AbortController();
    const sink = vi.fn(() => controller.abort());
    await expect(writeExport(plan, fakeBytes().bytes, sink, { signal: controller.signal })).rejects.toThrow(/abort/i);
    expect(sink).toHaveBeenCalledTimes(1);
  });
});
