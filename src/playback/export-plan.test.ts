import { describe, expect, it } from 'vitest';
import { PlaybackError } from './errors.js';
import { planExport } from './export-plan.js';
import { runSegments, seconds, TIMESCALE } from './test-fixtures.js';

const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const s = (n: number) => T0 + n * 1000;

// Run 1 from 0 s: segment 100 (4 × 1 s, keyframes at 0 and 2), 101 (4 × 1 s, keyframe at 0). Run 2 from 20 s: 200 (3 × 1 s).
const run1 = runSegments({ runId: 1, startMs: s(0), segments: [seconds(4, [0, 2]), seconds(4, [0])] });
const run2 = runSegments({ runId: 2, startMs: s(20), segments: [seconds(3)] });
const pieceSummary = (p: { segment: { id: number }; firstFragment: number; endFragment: number; offset: number; sizeBytes: number; outputStartTicks: number }) =>
  [p.segment.id, p.firstFragment, p.endFragment, p.offset, p.sizeBytes, p.outputStartTicks];

describe('planExport', () => {
  it.each([
    // [name, from (s), to (s), pieces [segment, first, end, offset, bytes, output tfdt], startMs, endMs]
    ['whole first segment', 0, 4, [[100, 0, 4, 700, 4000, 0]], 0, 4],
    ['cut to the keyframe at or before from', 3.5, 4, [[100, 2, 4, 2700, 2000, 0]], 2, 4],
    ['through the fragment covering to', 2.2, 5.1, [[100, 2, 4, 2700, 2000, 0], [101, 0, 2, 700, 2000, 2 * TIMESCALE]], 2, 6],
    ['from in a non-keyframe fragment of the next segment', 6.5, 7.5, [[101, 0, 4, 700, 4000, 0]], 4, 8],
  ] as const)('cut: %s', (_name, from, to, pieces, startS, endS) => {
    const plan = planExport({ segments: run1, fromMs: s(from), toMs: s(to) });
    expect(plan.pieces.map(pieceSummary)).toEqual(pieces);
    expect([plan.startMs, plan.endMs]).toEqual([s(startS), s(endS)]);
    expect(plan.fragments).toBe(pieces.reduce((n, p) => n + p[2] - p[1], 0));
    expect(plan.expectedSizeBytes).toBe(700 + pieces.reduce((n, p) => n + p[4], 0));
    expect(plan.truncatedAtMs).toBeNull();
  });

  it('closes gaps by default: media time runs on, the gap is listed', () => {
    const plan = planExport({ segments: [...run1, ...run2], fromMs: s(6), toMs: s(22) });
    expect(plan.gapMode).toBe('close');
    expect(plan.pieces.map(pieceSummary)).toEqual([[101, 0, 4, 700, 4000, 0], [200, 0, 2, 700, 2000, 4 * TIMESCALE]]);
    expect(plan.pieces.map((p) => p.breakBefore)).toEqual([null, 'run_change']);
    expect(plan.gaps).toEqual([{ startMs: s(8), endMs: s(20), atOutputMs: 4000 }]);
    expect(plan.durationTicks).toBe(6 * TIMESCALE);
    expect([plan.startMs, plan.endMs]).toEqual([s(4), s(22)]);
  });

  it("keeps a gap's wall length in tfdt when asked", () => {
    const plan = planExport({ segments: [...run1, ...run2], fromMs: s(6), toMs: s(22), gapMode: 'keep' });
    expect(plan.pieces.map((p) => p.outputStartTicks)).toEqual([0, 16 * TIMESCALE]);
    expect(plan.durationTicks).toBe(18 * TIMESCALE);
    expect(plan.gaps).toEqual([{ startMs: s(8), endMs: s(20), atOutputMs: 4000 }]);
  });

  it('continues seamlessly across segments of a run (one tfdt line, no gap)', () => {
    const plan = planExport({ segments: run1, fromMs: s(0), toMs: s(8) });
    expect(plan.pieces.map((p) => [p.outputStartTicks, p.breakBefore])).toEqual([[0, null], [4 * TIMESCALE, null]]);
    expect(plan.gaps).toEqual([]);
  });

  it('stops at a format change and reports it', () => {
    const hd = runSegments({ runId: 2, startMs: s(20), segments: [seconds(3)], codec: 'hvc1.1.6.L120.90', width: 2560, height: 1440 });
    const plan = planExport({ segments: [...run1, ...hd], fromMs: s(0), toMs: s(23) });
    expect(plan.pieces.map((p) => p.segment.id)).toEqual([100, 101]);
    expect(plan).toMatchObject({
      truncatedAtMs: s(20), truncatedReason: 'format_change', endMs: s(8),
      format: { codec: 'avc1.640028', width: 1920, height: 1080 }, nextFormat: { codec: 'hvc1.1.6.L120.90', width: 2560, height: 1440 },
    });
  });

  it('a timescale change is a format change too (tfdt units would not match)', () => {
    const other = runSegments({ runId: 2, startMs: s(20), segments: [seconds(3)], timescale: 12_800 });
    expect(planExport({ segments: [...run1, ...other], fromMs: s(0), toMs: s(23) }).truncatedAtMs).toBe(s(20));
  });

  it('takes the init of the first segment', () => {
    const plan = planExport({ segments: [...run1, ...run2], fromMs: s(5), toMs: s(22) });
    expect(plan.initSegment.id).toBe(101);
    expect(plan).toMatchObject({ cameraId: 'cam-1', streamId: 'stream-main', timescale: TIMESCALE, fromMs: s(5), toMs: s(22) });
  });

  it.each([
    ['a range in a gap', [...run1, ...run2], s(9), s(19)],
    ['no segments', [], s(0), s(10)],
    ['a range after the recording', run1, s(8), s(9)],
  ] as const)('refuses %s with no_recording', (_name, segments, fromMs, toMs) => {
    let error: unknown;
    try {
      planExport({ segments, fromMs, toMs });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlaybackError);
    expect((error as PlaybackError).code).toBe('no_recording');
  });
});
