// What the console shows of integrity (R15): a verify report reduced to a summary per camera, and the status of each
// camera from the latest runs. Pure: the report and the runs are parameters.
import { PROBLEM_STATUSES, type IntegrityCounts, type IntegrityVerifyReport, type SegmentStatus } from './types.js';

export type ProblemCounts = Partial<Record<SegmentStatus, number>>;

export interface VerifyRunSummary {
  counts: IntegrityCounts;
  /** Per camera, the segments that are not ok (problems and lawful deletions). */
  cameras: Record<string, ProblemCounts>;
  checkpointsChecked: number;
  checkpointProblems: number;
  /** The first few problem descriptions, for the console; the full list is `vigil verify`'s. */
  examples: string[];
  bytesHashed: number;
  elapsedMs: number;
}

export interface VerifyRun {
  id: number;
  startedMs: number;
  finishedMs: number;
  trigger: 'schedule' | 'manual';
  cameraId: string | null;
  ok: boolean;
  summary: VerifyRunSummary;
}

export type CameraIntegrity = 'ok' | 'problems' | 'unverified';

export interface CameraIntegrityStatus {
  cameraId: string;
  status: CameraIntegrity;
  /** When the run the status comes from finished. */
  verifiedMs: number | null;
  runId: number | null;
  segments: ProblemCounts;
}

const MAX_EXAMPLES = 20;

export function summarizeReport(report: IntegrityVerifyReport): VerifyRunSummary {
  const cameras: Record<string, ProblemCounts> = {};
  const examples: string[] = [];
  for (const v of report.segments) {
    if (v.status === 'ok') continue;
    const c = (cameras[v.cameraId] ??= {});
    c[v.status] = (c[v.status] ?? 0) + 1;
    if (PROBLEM_STATUSES.has(v.status) && examples.length < MAX_EXAMPLES) {
      examples.push(`${v.status} ${v.segmentId !== null ? `segment ${v.segmentId}` : v.file ?? ''} (camera ${v.cameraId})${v.details.length ? `: ${v.details[0]}` : ''}`);
    }
  }
  for (const p of report.checkpoints.problems) if (examples.length < MAX_EXAMPLES) examples.push(`${p.kind}: ${p.message}`);
  return {
    counts: report.counts,
    cameras,
    checkpointsChecked: report.checkpoints.checked,
    checkpointProblems: report.checkpoints.problems.length,
    examples,
    bytesHashed: report.bytesHashed,
    elapsedMs: report.elapsedMs,
  };
}

function hasProblems(counts: ProblemCounts): boolean {
  return [...PROBLEM_STATUSES].some((s) => (counts[s] ?? 0) > 0);
}

/**
 * Each camera's status from the newest run that covered it (a run of all cameras, or of that camera). A checkpoint
 * problem of a run over all cameras marks every camera: a forged or missing checkpoint puts all of them in doubt.
 */
export function cameraStatuses(cameraIds: readonly string[], runs: readonly VerifyRun[]): CameraIntegrityStatus[] {
  const newestFirst = [...runs].sort((a, b) => b.finishedMs - a.finishedMs || b.id - a.id);
  return cameraIds.map((cameraId) => {
    const run = newestFirst.find((r) => r.cameraId === null || r.cameraId === cameraId);
    if (!run) return { cameraId, status: 'unverified', verifiedMs: null, runId: null, segments: {} };
    const segments = run.summary.cameras[cameraId] ?? {};
    const bad = hasProblems(segments) || run.summary.checkpointProblems > 0;
    return { cameraId, status: bad ? 'problems' : 'ok', verifiedMs: run.finishedMs, runId: run.id, segments };
  });
}
