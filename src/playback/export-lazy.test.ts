// The time to first byte of an export must not grow with its range: planning decodes the fragment index of the first
// segment and of those near `to`, never of the segments in between, and the writer sends the init before decoding
// anything more. Counted here by wrapping the index decoder, and shown with garbage indexes in the middle of a range.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeFragmentIndex } from '../recording/index.js';
import { planExport } from './export-plan.js';
import { writeExport } from './export-writer.js';
import { runSegments, seconds } from './test-fixtures.js';
import type { PlaybackSegment, SegmentBytes } from './types.js';

const decodes = vi.hoisted(() => ({ count: 0 }));
vi.mock(import('../recording/index.js'), async (importOriginal) => {
  const original = await importOriginal();
  return {
    ...original,
    decodeFragmentIndex: (blob: Uint8Array, initSizeBytes: number) => {
      decodes.count++;
      return original.decodeFragmentIndex(blob, initSizeBytes);
    },
  };
});
vi.mock(import('../media/index.js'), async (importOriginal) => ({ ...(await importOriginal()), rewriteFragmentTiming: (data: Buffer) => data }));

const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;
const TIMESCALE = 90_000;
/** One 60 s segment's index as the recorder writes it at the default settings: 60 fragments of 1 s, GOP 2 s. */
const BLOB = encodeFragmentIndex(Array.from({ length: 60 }, (_, i) => ({ sizeBytes: 500_000, durationTicks: TIMESCALE, sampleCount: 25, keyframe: i % 2 === 0 })));
const INIT = 800;

/** `days` of 60 s segments in runs of 600 (10 h) with a 30 s gap between runs, every row sharing one index blob. */
function history(days: number): PlaybackSegment[] {
  const rows: PlaybackSegment[] = [];
  let wall = T0;
  for (let n = 0; n < (days * DAY) / MINUTE; n++) {
    const runId = Math.floor(n / 600) + 1;
    const seq = n % 600;
    if (seq === 0 && n > 0) wall += 30_000;
    rows.push({
      id: n + 1, camera_id: 'cam-1', stream_id: 'stream-main', run_id: runId, seq, start_ms: wall, end_ms: wall + MINUTE,
      media_start: seq * 60 * TIMESCALE, timescale: TIMESCALE, size_bytes: INIT + 60 * 500_000, init_size_bytes: INIT, frames: 1500,
      codec: 'avc1.640028', width: 1920, height: 1080, status: 'ok', fragment_index: BLOB,
    });
    wall += MINUTE;
  }
  return rows;
}

/** The rows the repo returns for a range: overlapping it, in time order. */
const inRange = (rows: readonly PlaybackSegment[], fromMs: number, toMs: number) => rows.filter((r) => r.start_ms < toMs && r.end_ms > fromMs);

/** Reads that return an init (ftyp) or zero-filled fragments of the asked length. */
const bytes: SegmentBytes = {
  read: async (_ref, offset, length) => {
    const data = Buffer.alloc(length);
    if (offset === 0) data.write('\0\0\0\x08ftyp', 'latin1');
    return data;
  },
};

class Stop extends Error {}

/** Plans and writes until the first byte; returns the indexes decoded by then and the plan. */
async function untilFirstByte(segments: readonly PlaybackSegment[], fromMs: number, toMs: number) {
  decodes.count = 0;
  const plan = planExport({ segments, fromMs, toMs });
  const planned = decodes.count;
  let atFirstByte = -1;
  await writeExport(plan, bytes, () => {
    atFirstByte = decodes.count;
    throw new Stop();
  }).catch((e: unknown) => {
    if (!(e instanceof Stop)) throw e;
  });
  return { plan, planned, atFirstByte };
}

beforeEach(() => {
  decodes.count = 0;
});

describe('export time to first byte', () => {
  const rows = history(32);

  it.each([
    ['1 min', MINUTE],
    ['1 h', 60 * MINUTE],
    ['24 h', DAY],
    ['31 days', 31 * DAY],
  ])('decodes the same few indexes before the first byte for a %s range', async (_label, rangeMs) => {
    for (const offsetMs of [0, 17_345, 5 * 3600_000 + 1234, 9 * 3600_000 + 59 * MINUTE]) {
      const fromMs = T0 + 12 * 3600_000 + offsetMs;
      const toMs = fromMs + rangeMs;
      const segments = inRange(rows, fromMs, toMs);
      const { plan, planned, atFirstByte } = await untilFirstByte(segments, fromMs, toMs);
      // The first segment, and the last one (or two, when `to` is within ROW_SLACK_MS of a segment boundary).
      expect(planned).toBeLessThanOrEqual(3);
      expect(atFirstByte).toBe(planned);
      expect(plan.startMs).toBeLessThanOrEqual(fromMs);
      expect(plan.endMs).toBeGreaterThanOrEqual(Math.min(toMs, segments.at(-1)!.end_ms));
    }
  });

  it('plans a range whose middle indexes are garbage, and reports them only when the writer reaches them', async () => {
    const fromMs = T0 + 90_500;
    const toMs = fromMs + DAY;
    const segments = inRange(rows, fromMs, toMs);
    const garbage = segments.map((s, i) => (i === 0 || i >= segments.length - 2 ? s : { ...s, fragment_index: Buffer.from([0xff, 0xff, 0xff]) }));
    const plan = planExport({ segments: garbage, fromMs, toMs });
    expect([plan.startMs, plan.endMs]).toEqual([fromMs - 500, toMs + 500]); // keyframes every 2 s, 1 s fragments
    const chunks: Buffer[] = [];
    await expect(writeExport(plan, bytes, (c) => void chunks.push(c))).rejects.toMatchObject({ code: 'segment_corrupt', detail: { segmentId: segments[1]!.id } });
    expect(chunks[0]!.toString('latin1', 4, 8)).toBe('ftyp'); // the first byte went out; the first segment's fragments too
    expect(chunks.length).toBe(1 + 30);
  });

  it('reports rows that disagree with their indexes (a row ending long before `to` whose index reaches past it)', async () => {
    // Segment 101's row says 4 s but its index holds 400 s: the walk stops inside it at `to`, not after the last row.
    const lying = runSegments({ runId: 1, startMs: T0, segments: [seconds(4), seconds(400)] });
    lying[1] = { ...lying[1]!, end_ms: T0 + 8000 };
    const rest = runSegments({ runId: 1, startMs: T0 + 8000, firstSegmentId: 200, firstSeq: 2, segments: Array.from({ length: 60 }, () => seconds(4)) });
    const plan = planExport({ segments: [...lying, ...rest], fromMs: T0, toMs: T0 + 300_000 });
    expect(plan.endMs).toBe(T0 + 248_000);
    const error = await writeExport(plan, bytes, () => {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'segment_corrupt', message: expect.stringMatching(/rows disagree .* ends at \d+ .* not at \d+/) });
  });

  it('ends before a last segment that has no keyframe and follows a break (the walk cannot resume there)', () => {
    const run1 = runSegments({ runId: 1, startMs: T0, segments: [seconds(4), seconds(4)] });
    const run2 = runSegments({ runId: 2, startMs: T0 + 8000, segments: [seconds(3, [])] });
    const plan = planExport({ segments: [...run1, ...run2], fromMs: T0, toMs: T0 + 11_000 });
    expect([plan.startMs, plan.endMs, plan.fragments]).toEqual([T0, T0 + 8000, 8]);
    const sameRun = runSegments({ runId: 1, startMs: T0, segments: [seconds(4), seconds(4), seconds(3, [])] });
    expect(planExport({ segments: sameRun, fromMs: T0, toMs: T0 + 11_000 }).endMs).toBe(T0 + 11_000);
  });
});
