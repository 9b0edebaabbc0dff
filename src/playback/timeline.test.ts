import { describe, expect, it } from 'vitest';
import { PlaybackError } from './errors.js';
import { run, runSegments, seconds, CAMERA_ID } from './test-fixtures.js';
import { buildTimeline, type TimelineGap } from './timeline.js';
import type { PlaybackRun, PlaybackSegment } from './types.js';

const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const s = (n: number) => T0 + n * 1000;

// Run 1: [10 s, 70 s) closed by camera_lost, two 30 s segments. Run 2: from 80 s, open, one 30 s segment.
const run1Segments = runSegments({ runId: 1, startMs: s(10), segments: [seconds(30), seconds(30)] });
const run2Segments = runSegments({ runId: 2, startMs: s(80), segments: [seconds(30)] });
const run1 = run(1, s(10), s(70), 'camera_lost');
const run2Open = run(2, s(80), null, null, 'reconnect');

interface Case {
  name: string;
  runs: PlaybackRun[];
  segments: PlaybackSegment[];
  fromMs: number;
  toMs: number;
  nowMs?: number;
  gaps: TimelineGap[];
  runIds?: number[];
  segmentIds?: number[];
}

const cases: Case[] = [
  {
    name: 'gaps before, between and after runs, with causes; the open run ends at its last segment',
    runs: [run1, run2Open], segments: [...run1Segments, ...run2Segments], fromMs: s(0), toMs: s(200), nowMs: s(130),
    gaps: [
      { startMs: s(0), endMs: s(10), cause: 'not_recording' },
      { startMs: s(70), endMs: s(80), cause: 'camera_lost' },
      { startMs: s(110), endMs: s(130), cause: 'in_progress' },
    ],
    runIds: [1, 2], segmentIds: [100, 101, 200],
  },
  {
    name: 'range clipping: only what overlaps, gaps clipped to the range',
    runs: [run1, run2Open], segments: [...run1Segments, ...run2Segments], fromMs: s(45), toMs: s(85), nowMs: s(130),
    gaps: [{ startMs: s(70), endMs: s(80), cause: 'camera_lost' }],
    runIds: [1, 2], segmentIds: [101, 200],
  },
  {
    name: 'a range inside one segment has no gaps',
    runs: [run1], segments: run1Segments, fromMs: s(12), toMs: s(20),
    gaps: [], runIds: [1], segmentIds: [100],
  },
  {
    name: 'a closed run whose last segment was lost in a crash: missing segments, then the run\'s end cause',
    runs: [run(1, s(10), s(75), 'recorder_crash'), run2Open], segments: [...run1Segments, ...run2Segments], fromMs: s(10), toMs: s(110),
    gaps: [
      { startMs: s(70), endMs: s(75), cause: 'missing_segments' },
      { startMs: s(75), endMs: s(80), cause: 'recorder_crash' },
    ],
  },
  {
    name: 'a hole between segments of one run (a deleted segment)',
    runs: [run1], segments: [run1Segments[1]!], fromMs: s(0), toMs: s(70),
    gaps: [
      { startMs: s(0), endMs: s(10), cause: 'not_recording' },
      { startMs: s(10), endMs: s(40), cause: 'missing_segments' },
    ],
    runIds: [1], segmentIds: [101],
  },
  {
    name: 'a leading gap takes the cause of the run before the range',
    runs: [run(0, s(-100), s(-5), 'shutdown'), run1], segments: run1Segments, fromMs: s(0), toMs: s(70),
    gaps: [{ startMs: s(0), endMs: s(10), cause: 'shutdown' }],
    runIds: [1],
  },
  {
    name: 'no recording at all: one gap up to now, never into the future',
    runs: [], segments: [], fromMs: s(0), toMs: s(100), nowMs: s(60),
    gaps: [{ startMs: s(0), endMs: s(60), cause: 'not_recording' }],
    runIds: [], segmentIds: [],
  },
  {
    name: 'an open run with no segment yet: in progress from its start',
    runs: [run(3, s(50), null, null)], segments: [], fromMs: s(0), toMs: s(100), nowMs: s(70),
    gaps: [
      { startMs: s(0), endMs: s(50), cause: 'not_recording' },
      { startMs: s(50), endMs: s(70), cause: 'in_progress' },
    ],
    runIds: [3],
  },
  {
    name: 'a stale open run followed by another run: cause unknown, not in progress',
    runs: [run(1, s(10), null, null), run(2, s(80), s(110), 'shutdown')], segments: [...run1Segments, ...run2Segments],
    fromMs: s(10), toMs: s(110),
    gaps: [{ startMs: s(70), endMs: s(80), cause: 'not_recording' }],
  },
  {
    name: 'a closed run without an end cause',
    runs: [run(1, s(10), s(70), null)], segments: run1Segments, fromMs: s(10), toMs: s(80),
    gaps: [{ startMs: s(70), endMs: s(80), cause: 'not_recording' }],
  },
  {
    name: 'ms-level joins between segments of a run are not gaps',
    runs: [run1], segments: [run1Segments[0]!, { ...run1Segments[1]!, start_ms: run1Segments[1]!.start_ms + 40 }], fromMs: s(10), toMs: s(70),
    gaps: [],
  },
  {
    name: 'runs back to back (format change) leave no gap',
    runs: [run(1, s(10), s(70), 'format_change'), run(2, s(70), null, null, 'format_change')],
    segments: [...run1Segments, ...runSegments({ runId: 2, startMs: s(70), segments: [seconds(30)] })], fromMs: s(10), toMs: s(100),
    gaps: [],
  },
];

describe('buildTimeline', () => {
  it.each(cases)('$name', (c) => {
    const timeline = buildTimeline({ cameraId: CAMERA_ID, runs: c.runs, segments: c.segments, fromMs: c.fromMs, toMs: c.toMs, nowMs: c.nowMs ?? s(1000) });
    expect(timeline.gaps).toEqual(c.gaps);
    if (c.runIds) expect(timeline.runs.map((r) => r.id)).toEqual(c.runIds);
    if (c.segmentIds) expect(timeline.segments.map((x) => x.id)).toEqual(c.segmentIds);
    expect(timeline).toMatchObject({ cameraId: CAMERA_ID, fromMs: c.fromMs, toMs: c.toMs });
  });

  it('has the JSON shape of the recordings API, unclipped run and segment times', () => {
    const timeline = buildTimeline({ cameraId: CAMERA_ID, runs: [run1, run2Open], segments: [...run1Segments, ...run2Segments], fromMs: s(60), toMs: s(90), nowMs: s(130) });
    expect(JSON.parse(JSON.stringify(timeline))).toEqual({
      cameraId: CAMERA_ID, fromMs: s(60), toMs: s(90),
      runs: [
        { id: 1, startMs: s(10), endMs: s(70), startCause: 'start', endCause: 'camera_lost' },
        { id: 2, startMs: s(80), endMs: null, startCause: 'reconnect', endCause: null },
      ],
      segments: [
        { id: 101, runId: 1, startMs: s(40), endMs: s(70), sizeBytes: 30_700, frames: 750, codec: 'avc1.640028', width: 1920, height: 1080, status: 'ok' },
        { id: 200, runId: 2, startMs: s(80), endMs: s(110), sizeBytes: 30_700, frames: 750, codec: 'avc1.640028', width: 1920, height: 1080, status: 'ok' },
      ],
      gaps: [{ startMs: s(70), endMs: s(80), cause: 'camera_lost' }],
    });
  });

  it('refuses an empty or reversed range', () => {
    expect(() => buildTimeline({ cameraId: CAMERA_ID, runs: [], segments: [], fromMs: s(5), toMs: s(5), nowMs: s(10) })).toThrow(PlaybackError);
  });
});
