// The console's integrity status (R15): a verify report per camera, and each camera's status from the newest run
// that covered it. Pure.
import { describe, expect, it } from 'vitest';
import { cameraStatuses, summarizeReport, type VerifyRun } from './runs.js';
import type { IntegrityVerifyReport, SegmentVerdict } from './types.js';

const verdict = (cameraId: string, status: SegmentVerdict['status'], segmentId: number): SegmentVerdict =>
  ({ status, segmentId, streamId: `${cameraId}-main`, cameraId, runId: 1, seq: segmentId, startMs: 0, file: null, details: ['why'] });

function report(segments: SegmentVerdict[], checkpointProblems = 0): IntegrityVerifyReport {
  const counts = { ok: 10, altered: 0, missing: 0, unexpected: 0, 'deleted-lawfully': 0, unchained: 0 };
  for (const s of segments) counts[s.status]++;
  return {
    ok: checkpointProblems === 0 && !segments.some((s) => ['altered', 'missing', 'unexpected'].includes(s.status)),
    streams: 2, counts, segments,
    checkpoints: { checked: 3, problems: Array.from({ length: checkpointProblems }, (_, i) => ({ checkpointId: i, kind: 'bad_signature' as const, message: 'forged' })) },
    filesHashed: 10, bytesHashed: 1000, elapsedMs: 5, throughputMiBps: 1,
  };
}

const run = (id: number, finishedMs: number, cameraId: string | null, r: IntegrityVerifyReport): VerifyRun =>
  ({ id, startedMs: finishedMs - 5, finishedMs, trigger: 'schedule', cameraId, ok: r.ok, summary: summarizeReport(r) });

describe('integrity status per camera', () => {
  it('counts the segments that are not ok per camera, and keeps problem examples', () => {
    const s = summarizeReport(report([verdict('a', 'altered', 1), verdict('a', 'deleted-lawfully', 2), verdict('b', 'missing', 3)]));
    expect(s.cameras).toEqual({ a: { altered: 1, 'deleted-lawfully': 1 }, b: { missing: 1 } });
    expect(s.examples).toHaveLength(2);
    expect(s.examples[0]).toContain('altered segment 1');
  });

  it.each([
    ['no run yet', [], 'unverified'],
    ['a clean run', [run(1, 100, null, report([]))], 'ok'],
    ['lawful deletions only', [run(1, 100, null, report([verdict('a', 'deleted-lawfully', 1)]))], 'ok'],
    ['an altered segment', [run(1, 100, null, report([verdict('a', 'altered', 1)]))], 'problems'],
    ['a forged checkpoint marks every camera', [run(1, 100, null, report([], 1))], 'problems'],
    ['a newer clean run of this camera wins', [run(1, 100, null, report([verdict('a', 'altered', 1)])), run(2, 200, 'a', report([]))], 'ok'],
    ['a newer run of another camera does not count', [run(1, 100, null, report([verdict('a', 'altered', 1)])), run(2, 200, 'b', report([]))], 'problems'],
  ] as const)('%s → %s', (_name, runs, expected) => {
    expect(cameraStatuses(['a'], runs)[0]!.status).toBe(expected);
  });
});
