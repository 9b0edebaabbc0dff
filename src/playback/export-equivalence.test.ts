// The export planned lazily (first and last segments decoded up front, the rest while writing) must produce what the
// all-at-once planner did before: same headers (start, end, truncation), same pieces and gaps, same bytes. The
// previous planner is kept here verbatim as the reference and both run over random recordings with every kind of
// break: run changes, lost fragments (media jumps), clock steps both ways (overlapping rows), format changes inside
// and between runs, segments without keyframes or without fragments, and ranges from a fraction of a second to the
// whole history.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeFragmentIndex } from '../recording/index.js';
import { PlaybackError } from './errors.js';
import { planExport, type ExportGap, type ExportGapMode, type ExportPiece } from './export-plan.js';
import { writeExport } from './export-writer.js';
import { CONTIGUITY_TOLERANCE_MS, formatKey, fragmentsOf, sortSegments, type BreakKind, type TimedFragment } from './selection.js';
import type { PlaybackSegment, SegmentBytes } from './types.js';

// Retiming recorded as text, so the output of a whole export is one comparable string.
vi.mock(import('../media/index.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  rewriteFragmentTiming: (data: Buffer, tfdt: number, sequence: number) => Buffer.from(`${data.toString('latin1', 0, 12).trim()}@${tfdt}#${sequence};`),
}));

// ---- The reference: selection and planning as they were before the lazy plan (logic unchanged) ----
interface Cursor { segment: PlaybackSegment; fragment: TimedFragment }
interface RefSpan { segment: PlaybackSegment; first: number; end: number; offset: number; sizeBytes: number; durationTicks: number; wallStartMs: number; wallEndMs: number; breakBefore: BreakKind | null }

function refBreak(prev: Cursor, next: Cursor): BreakKind | null {
  if (formatKey(prev.segment) !== formatKey(next.segment)) return 'format_change';
  if (prev.segment.run_id !== next.segment.run_id) return 'run_change';
  const prevEndTicks = prev.segment.media_start + prev.fragment.startTicks + prev.fragment.durationTicks;
  if (next.segment.media_start + next.fragment.startTicks !== prevEndTicks) return 'media_jump';
  if (Math.abs(next.fragment.wallStartMs - prev.fragment.wallEndMs) > CONTIGUITY_TOLERANCE_MS) return 'wall_jump';
  return null;
}

function refStart(sorted: readonly PlaybackSegment[], fromMs: number, toMs: number) {
  for (let s = 0; s < sorted.length; s++) {
    const fragments = fragmentsOf(sorted[s]!);
    const i = fragments.findIndex((f) => f.wallEndMs > fromMs && f.wallStartMs < toMs);
    if (i < 0) continue;
    let seg = s;
    let frags = fragments;
    let j = i;
    for (;;) {
      while (j >= 0 && !frags[j]!.keyframe) j--;
      if (j >= 0) return { segmentIndex: seg, fragmentIndex: j, keyframeFound: true };
      const prev = sorted[seg - 1];
      if (!prev) break;
      const prevFrags = fragmentsOf(prev);
      const prevLast = prevFrags.at(-1);
      if (!prevLast || refBreak({ segment: prev, fragment: prevLast }, { segment: sorted[seg]!, fragment: frags[0]! }) !== null) break;
      seg -= 1;
      frags = prevFrags;
      j = frags.length - 1;
    }
    return { segmentIndex: s, fragmentIndex: i, keyframeFound: false };
  }
  return null;
}

function refSelect(segments: readonly PlaybackSegment[], fromMs: number, toMs: number): RefSpan[] {
  const sorted = sortSegments(segments);
  const start = refStart(sorted, fromMs, toMs);
  const spans: RefSpan[] = [];
  let prev: Cursor | null = null;
  let needKeyframe = start ? !start.keyframeFound : false;
  let pendingBreak: BreakKind | null = null;
  outer: for (let s = start?.segmentIndex ?? sorted.length; s < sorted.length; s++) {
    const segment = sorted[s]!;
    const fragments = fragmentsOf(segment);
    let span: RefSpan | null = null;
    for (let i = s === start?.segmentIndex ? start.fragmentIndex : 0; i < fragments.length; i++) {
      const fragment = fragments[i]!;
      if (fragment.wallStartMs >= toMs) break outer;
      const kind: BreakKind | null = prev && !span ? refBreak(prev, { segment, fragment }) : null;
      if (kind) {
        needKeyframe = true;
        pendingBreak ??= kind;
      }
      if (needKeyframe && !fragment.keyframe) continue;
      needKeyframe = false;
      if (!span) {
        span = { segment, first: i, end: i, offset: fragment.offset, sizeBytes: 0, durationTicks: 0, wallStartMs: fragment.wallStartMs, wallEndMs: fragment.wallStartMs, breakBefore: pendingBreak };
        pendingBreak = null;
        spans.push(span);
      }
      span.end = i + 1;
      span.sizeBytes += fragment.sizeBytes;
      span.durationTicks += fragment.durationTicks;
      span.wallEndMs = fragment.wallEndMs;
      prev = { segment, fragment };
    }
  }
  return spans;
}

function refPlan(segments: readonly PlaybackSegment[], fromMs: number, toMs: number, gapMode: ExportGapMode) {
  const spans = refSelect(segments, fromMs, toMs);
  const first = spans[0];
  if (!first) return null;
  const { timescale } = first.segment;
  const pieces: ExportPiece[] = [];
  const gaps: ExportGap[] = [];
  let truncatedAtMs: number | null = null;
  let nextFormat: PlaybackSegment | null = null;
  let outputTicks = 0;
  for (const span of spans) {
    if (formatKey(span.segment) !== formatKey(first.segment)) {
      truncatedAtMs = Math.round(span.wallStartMs);
      nextFormat = span.segment;
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
      wallStartMs: span.wallStartMs, wallEndMs: span.wallEndMs, outputStartTicks: outputTicks, durationTicks: span.durationTicks, breakBefore: span.breakBefore,
    });
    outputTicks += span.durationTicks;
  }
  const last = pieces.at(-1)!;
  const output = [`init:${first.segment.id};`];
  let sequence = 1;
  for (const p of pieces) {
    let tfdt = p.outputStartTicks;
    for (const f of fragmentsOf(p.segment).slice(p.firstFragment, p.endFragment)) {
      output.push(`s${p.segment.id}f${f.offset}@${tfdt}#${sequence++};`);
      tfdt += f.durationTicks;
    }
  }
  return {
    startMs: Math.round(first.wallStartMs), endMs: Math.round(last.wallEndMs), truncatedAtMs, nextSegmentId: nextFormat?.id ?? null, initSegmentId: first.segment.id,
    pieces, gaps, durationTicks: outputTicks, fragments: pieces.reduce((n, p) => n + p.endFragment - p.firstFragment, 0),
    expectedSizeBytes: first.segment.init_size_bytes + pieces.reduce((n, p) => n + p.sizeBytes, 0), output: output.join(''),
  };
}

// ---- Random recordings ----
const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const FORMATS = [
  { codec: 'avc1.640028', width: 1920, height: 1080, timescale: 90_000 },
  { codec: 'hvc1.1.6.L120.90', width: 2560, height: 1440, timescale: 90_000 },
  { codec: 'avc1.640028', width: 1920, height: 1080, timescale: 12_800 },
];

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A camera's history as the recorder writes it: rows consistent with their indexes, runs with every kind of break. */
function history(rand: () => number): PlaybackSegment[] {
  const int = (n: number) => Math.floor(rand() * n);
  const rows: PlaybackSegment[] = [];
  let wall = T0;
  const runs = 2 + int(5);
  for (let r = 1; r <= runs; r++) {
    let format = FORMATS[rand() < 0.75 ? 0 : 1 + int(2)]!;
    let media = int(1e9);
    const count = 5 + int(70);
    for (let seq = 0; seq < count; seq++) {
      if (seq > 0 && rand() < 0.03) format = FORMATS[int(3)]!; // a new init inside the run
      const ts = format.timescale;
      const entries = Array.from({ length: rand() < 0.03 ? 0 : 1 + int(6) }, (_, i) => ({
        sizeBytes: 100 + int(900), durationTicks: Math.round(ts * (0.4 + rand() * 1.2)), sampleCount: 10, keyframe: i === 0 ? rand() < 0.9 : rand() < 0.35,
      }));
      const ticks = entries.reduce((n, e) => n + e.durationTicks, 0);
      rows.push({
        id: rows.length + 1, camera_id: 'cam-1', stream_id: 'stream-main', run_id: r, seq, start_ms: Math.round(wall), end_ms: Math.round(wall + (ticks * 1000) / ts),
        media_start: media, size_bytes: 600 + entries.reduce((n, e) => n + e.sizeBytes, 0), init_size_bytes: 600, frames: entries.length * 10,
        ...format, status: 'ok', fragment_index: encodeFragmentIndex(entries),
      });
      media += ticks;
      wall += (ticks * 1000) / ts;
      if (rand() < 0.05) { // fragments lost between two segments
        const lost = int(3 * ts);
        media += lost;
        wall += (lost * 1000) / ts;
      }
      if (rand() < 0.05) wall += rand() * 6000 - 3000; // a clock step (backwards: rows overlap)
    }
    wall += rand() < 0.2 ? 0 : int(30_000);
  }
  return rows;
}

/** Segment files: an init (ftyp, then its name), then fragments whose first bytes name them (`s<id>f<offset>`). */
function bytesOf(rows: readonly PlaybackSegment[]): SegmentBytes {
  const files = new Map(rows.map((row) => {
    const file = Buffer.alloc(row.size_bytes, 0x20);
    file.write(`\0\0\0\x08ftypinit:${row.id};`, 'latin1');
    for (const f of fragmentsOf(row)) file.write(`s${row.id}f${f.offset}`.padEnd(12), f.offset, 'latin1');
    return [row.id, file] as const;
  }));
  return { read: async (ref, offset, length) => files.get(ref.id)!.subarray(offset, offset + length) };
}

/** The export as text: the init's name, then each fragment as retimed by the mock. */
async function outputOf(plan: ReturnType<typeof planExport>, bytes: SegmentBytes): Promise<string> {
  const chunks: Buffer[] = [];
  await writeExport(plan, bytes, (c) => void chunks.push(c), { maxReadBytes: 3000 });
  return chunks.map((c, i) => (i === 0 ? c.toString('latin1', 8, 20).trim() : c.toString('latin1'))).join('');
}

beforeEach(() => vi.clearAllMocks());

describe('lazy export plan = the previous planner', () => {
  it('over 600 random ranges of random recordings: same headers, pieces, gaps, totals and bytes', async () => {
    const rand = mulberry32(20261125);
    let planned = 0;
    let truncated = 0;
    for (let h = 0; h < 20; h++) {
      const rows = history(rand);
      const bytes = bytesOf(rows);
      const span = rows.at(-1)!.end_ms - T0;
      for (let q = 0; q < 30; q++) {
        const fromMs = Math.round(T0 - 5000 + rand() * (span + 10_000));
        const length = [rand() * 3000, rand() * 90_000, rand() * 900_000, span * 2][Math.floor(rand() * 4)]!;
        const toMs = fromMs + Math.max(1, Math.round(length));
        const gapMode: ExportGapMode = rand() < 0.5 ? 'close' : 'keep';
        // Half as the repo selects rows (overlapping the range, in time order), half every row of the camera.
        const given = rand() < 0.5 ? rows.filter((r) => r.start_ms > fromMs - 600_000 && r.start_ms < toMs && r.end_ms > fromMs) : rows;
        const ref = refPlan(given, fromMs, toMs, gapMode);
        const label = `history ${h}, range ${fromMs - T0}..${toMs - T0} ms, ${gapMode}`;
        if (!ref) {
          expect(() => planExport({ segments: given, fromMs, toMs, gapMode }), label).toThrow(PlaybackError);
          continue;
        }
        const plan = planExport({ segments: given, fromMs, toMs, gapMode });
        expect({ startMs: plan.startMs, endMs: plan.endMs, truncatedAtMs: plan.truncatedAtMs, initSegmentId: plan.initSegment.id }, label).toEqual({
          startMs: ref.startMs, endMs: ref.endMs, truncatedAtMs: ref.truncatedAtMs, initSegmentId: ref.initSegmentId,
        });
        if (ref.nextSegmentId !== null) {
          const next = rows.find((r) => r.id === ref.nextSegmentId)!;
          expect(plan.nextFormat, label).toEqual({ codec: next.codec, width: next.width, height: next.height });
          truncated++;
        }
        expect(await outputOf(plan, bytes), label).toBe(ref.output);
        expect(plan.pieces, label).toEqual(ref.pieces);
        expect([plan.gaps, plan.durationTicks, plan.fragments, plan.expectedSizeBytes], label).toEqual([ref.gaps, ref.durationTicks, ref.fragments, ref.expectedSizeBytes]);
        planned++;
      }
    }
    // The cases really cover exports and format changes, not just refusals.
    expect(planned).toBeGreaterThan(450);
    expect(truncated).toBeGreaterThan(20);
  });
});
