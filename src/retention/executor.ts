// The retention executor (R17, D22(3), architecture §4.4). Per run: complete what an earlier run left half done,
// plan with the pure planDeletions (store pressure from the store's free space), write one system-log entry per
// camera, record every planned deletion *before* touching a file, then per segment:
//   mark the row `deleting` (committed) → delete the file through the store (unlink + fsync the directory) →
//   write the tombstone (hash and chain link kept, reason, policy, system-log id) → remove the row (a stream's chain
//   head stays, marked `deleted`, so the next segment still links).
// A crash between any two steps leaves a `pending` deletion and/or a `deleting` row; the next run (and every start
// of `vigil serve`) finishes it. A row never points to a missing file without being marked or tombstoned.
// Finally a signed deletion certificate is stored with the run.
import { v7 as uuidv7 } from 'uuid';
import { DAY_MS, isHoldActive, planDeletions, RETENTION_FLOOR_DAYS, segmentOverlapsHold, type DeletionPlan, type PlannedDeletion, type RetentionAlert } from '../domain/index.js';
import type { RetentionDeletionRow, RetentionRunRow } from '../db/index.js';
import { buildCertificate } from './certificate.js';
import { RetentionError } from './errors.js';
import { logRetentionEvent, type Ctx } from './events.js';
import { logExpiredHolds, toDomainHold } from './holds.js';
import type { LeaseKeeper } from './lease.js';
import { planningPolicies } from './policies.js';

export type RunTrigger = 'schedule' | 'store_low' | 'cli' | 'api';

export interface RunReport {
  runId: string | null;
  dryRun: boolean;
  trigger: RunTrigger;
  startedMs: number;
  finishedMs: number;
  freeBytes: number;
  minFreeBytes: number;
  planned: { segmentId: number; cameraId: string; reason: string; policyId: string; bytes: number }[];
  deleted: number;
  bytesDeleted: number;
  /** Deletions of earlier, interrupted runs completed by this one. */
  recovered: number;
  /**
   * Whether the destroyed data keys were purged from the database's files after the deletions (docs/encryption.md,
   * crypto-shredding); null when nothing was deleted. False: a reader held an old snapshot; the next run retries.
   */
  keysPurged: boolean | null;
  kept: DeletionPlan['kept'];
  alerts: RetentionAlert[];
}

/** Test hook: called between the steps of one deletion, so a test can stop ("crash") the run there. */
export type StepHook = (step: 'marked' | 'unlinked' | 'tombstoned', segmentId: number) => Promise<void> | void;

export interface RunOptions {
  trigger: RunTrigger;
  dryRun?: boolean;
  onStep?: StepHook;
}

/**
 * Finishes one recorded deletion. Idempotent: each step is skipped when already done. `fresh` is true in the run that
 * planned it; in recovery a row not yet marked is abandoned (a hold may have come since: the next plan decides again).
 */
async function carryOut(ctx: Ctx, item: RetentionDeletionRow, fresh: boolean, onStep?: StepHook): Promise<'deleted' | 'abandoned'> {
  const { index, files, tombstones } = ctx.deps;
  const id = Number(item.segment_id);
  const settle = async (state: 'deleted' | 'abandoned') => {
    await ctx.repo.settleDeletion(item.run_id, id, state, state === 'deleted' ? ctx.deps.now() : null);
    return state;
  };
  let [row] = await index.segmentsById([id]);
  if (!row) {
    // Row gone: removed after its tombstone (the last step). Without a tombstone it was never ours to delete.
    return settle((await tombstones.tombstone(id)) ? 'deleted' : 'abandoned');
  }
  if (row.status !== 'deleting' && row.status !== 'deleted') {
    if (!fresh || !(await index.markDeleting(id))) return settle('abandoned');
    // R17: the run read the holds when it planned, maybe minutes ago. A hold placed since must still stop it, so the
    // holds are read again now that the segment is marked, and a held one is put back. A hold committed after this
    // read finds the segment already being deleted (the window is this one query); none is ever missed in between.
    if (await heldNow(ctx, row)) {
      await index.unmarkDeleting(id, row.status);
      return settle('abandoned');
    }
    row = { ...row, status: 'deleting' };
    await onStep?.('marked', id);
  }
  await files.deleteSegment({ cameraId: row.camera_id, runId: Number(row.run_id), seq: row.seq, startMs: Number(row.start_ms) });
  await onStep?.('unlinked', id);
  if (row.chain_hash !== null && row.chain_prev !== null && !(await tombstones.tombstone(id))) {
    await tombstones.insertTombstone({
      segment_id: id, stream_id: row.stream_id, camera_id: row.camera_id, run_id: Number(row.run_id), seq: row.seq,
      start_ms: Number(row.start_ms), end_ms: Number(row.end_ms), sha256: row.sha256, chain_prev: row.chain_prev, chain_hash: row.chain_hash,
      deleted_ms: ctx.deps.now(), reason: item.reason, policy: item.policy_id, audit_seq: Number(item.audit_seq),
    });
  }
  await onStep?.('tombstoned', id);
  // A row from before the chain (no link) gets no tombstone (there is no link to keep); its deletion is on record in
  // the system log and the certificate.
  await index.finishDeletion(id, row.stream_id);
  return settle('deleted');
}

/** Whether an active legal hold covers the segment now (read from the database, not the run's plan). */
async function heldNow(ctx: Ctx, row: { camera_id: string; start_ms: number | string; end_ms: number | string; size_bytes: number | string; id: number | string }): Promise<boolean> {
  const nowMs = ctx.deps.now();
  const segment = { id: row.id, cameraId: row.camera_id, startMs: Number(row.start_ms), endMs: Number(row.end_ms), sizeBytes: Number(row.size_bytes) };
  return (await ctx.repo.holds()).some((r) => {
    const hold = toDomainHold(r);
    return isHoldActive(hold, nowMs) && segmentOverlapsHold(segment, hold);
  });
}

/**
 * Completes interrupted deletions and runs (startup reconciliation, and the start of every run). Only the holder of
 * the executor's lease calls it: a `running` run is then one whose executor died or gave up, never one in flight.
 */
export async function recoverDeletions(ctx: Ctx, lease: LeaseKeeper): Promise<number> {
  let done = 0;
  for (const item of await ctx.repo.pendingDeletions()) {
    await lease.keep();
    if ((await carryOut(ctx, item, false)) === 'deleted') done++;
  }
  await lease.keep();
  for (const run of await ctx.repo.unfinishedRuns()) await finishRun(ctx, run, 'completed');
  // Chain heads kept as `deleted` go once a newer segment of their stream exists (finishDeletion decides).
  for (const row of await ctx.deps.index.segmentsInDeletion()) {
    if (row.status === 'deleted') await ctx.deps.index.finishDeletion(row.id, row.stream_id);
  }
  return done;
}

async function finishRun(ctx: Ctx, run: RetentionRunRow, status: 'completed' | 'failed'): Promise<void> {
  const items = await ctx.repo.deletionsOfRun(run.id);
  const finishedMs = ctx.deps.now();
  const cert = buildCertificate(run, items, finishedMs, ctx.deps.signingKey);
  await ctx.repo.finishRun(run.id, {
    finished_ms: finishedMs, status, segments: cert.certificate.totals.segments, bytes: cert.certificate.totals.bytes,
    certificate: cert.json, key_id: cert.keyId, signature: cert.signature,
  });
}

/**
 * The segments the planner must judge: only those wholly past the 30-day floor at `nowMs` (R17: nothing younger can
 * be deleted, whatever the policy or the store pressure), so a run's memory follows what is deletable, not the whole
 * store; the rest is counted in the index and passed to the planner as kept under the floor.
 */
async function collectSegments(ctx: Ctx, nowMs: number) {
  const endedByMs = nowMs - RETENTION_FLOOR_DAYS * DAY_MS;
  const out: { id: number; cameraId: string; startMs: number; endMs: number; sizeBytes: number }[] = [];
  for await (const page of ctx.deps.index.retainedSegments({ endedByMs })) {
    for (const s of page) out.push({ id: Number(s.id), cameraId: s.camera_id, startMs: Number(s.start_ms), endMs: Number(s.end_ms), sizeBytes: Number(s.size_bytes) });
  }
  return { segments: out, underFloor: await ctx.deps.index.segmentsNotEndedBy(endedByMs) };
}

/**
 * One run of the executor over the store, by the holder of the executor's lease (`lease`, kept before every deletion).
 * With dryRun, plans and reports only (nothing written, nothing deleted; no lease needed).
 */
export async function runRetention(ctx: Ctx, options: RunOptions, lease: LeaseKeeper | null): Promise<RunReport> {
  const dryRun = options.dryRun === true || lease === null;
  const recovered = dryRun ? 0 : await recoverDeletions(ctx, lease);
  if (!dryRun) await logExpiredHolds(ctx);
  const startedMs = ctx.deps.now();
  const policies = await planningPolicies(ctx);
  const holds = (await ctx.repo.holds()).map(toDomainHold);
  const { segments, underFloor } = await collectSegments(ctx, startedMs);
  const freeBytes = await ctx.deps.files.freeBytes();
  const minFreeBytes = ctx.deps.minFreeBytes;
  // R17, D22(3): store pressure may only take footage past its retention; the planner never plans under the floor.
  const plan = planDeletions(segments, policies, holds, startedMs, { freeBytes, minFreeBytes }, underFloor);
  const planned = plan.delete.map((d: PlannedDeletion) => ({ segmentId: Number(d.segmentId), cameraId: d.cameraId, reason: d.reason, policyId: d.policyId, bytes: d.bytes }));
  const report: RunReport = {
    runId: null, dryRun, trigger: options.trigger, startedMs, finishedMs: startedMs, freeBytes, minFreeBytes, planned,
    deleted: 0, bytesDeleted: 0, recovered, keysPurged: null, kept: plan.kept, alerts: plan.alerts,
  };
  if (dryRun) return report;
  // A scheduled or store-low run that finds nothing to delete leaves no run record (it would only add an empty
  // certificate every few seconds while a store is full); its alerts still reach the log, metric and system log.
  if (planned.length === 0 && (options.trigger === 'schedule' || options.trigger === 'store_low')) {
    if (recovered > 0) report.keysPurged = await ctx.deps.files.purgeDestroyedKeys();
    return report;
  }

  const runId = uuidv7();
  const run: RetentionRunRow = {
    id: runId, started_ms: startedMs, finished_ms: null, trigger: options.trigger, status: 'running', segments: 0, bytes: 0,
    alerts: JSON.stringify(plan.alerts), certificate: null, key_id: null, signature: null,
  };
  await ctx.repo.insertRun(run);
  report.runId = runId;
  {
    const rows = new Map((await ctx.deps.index.segmentsById(planned.map((p) => p.segmentId))).map((r) => [Number(r.id), r]));
    const byCamera = new Map<string, typeof planned>();
    for (const p of planned) {
      if (!rows.has(p.segmentId)) continue; // gone since planning
      byCamera.set(p.cameraId, [...(byCamera.get(p.cameraId) ?? []), p]);
    }
    const items: RetentionDeletionRow[] = [];
    for (const [cameraId, list] of [...byCamera.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const reasons: Record<string, number> = {};
      for (const p of list) reasons[p.reason] = (reasons[p.reason] ?? 0) + 1;
      const seq = await logRetentionEvent(ctx, null, 'retention.deleted', cameraId, {
        runId, trigger: options.trigger, reasons, policyIds: [...new Set(list.map((p) => p.policyId))], count: list.length,
        bytes: list.reduce((t, p) => t + p.bytes, 0), segmentIds: list.map((p) => p.segmentId), via: 'retention',
      });
      for (const p of list) {
        const r = rows.get(p.segmentId)!;
        items.push({
          run_id: runId, segment_id: p.segmentId, camera_id: cameraId, stream_id: r.stream_id, start_ms: Number(r.start_ms), end_ms: Number(r.end_ms),
          size_bytes: Number(r.size_bytes), sha256: r.sha256, reason: p.reason, policy_id: p.policyId, audit_seq: seq, deleted_ms: null, state: 'pending',
        });
      }
    }
    // The intent is durable before the first file goes: a crash from here on is completed by recoverDeletions.
    await ctx.repo.insertDeletions(items);
    for (const item of items) {
      await lease.keep();
      if ((await carryOut(ctx, item, true, options.onStep)) === 'deleted') {
        report.deleted++;
        report.bytesDeleted += Number(item.size_bytes);
      }
    }
    // Crypto-shredding is complete only when no page of the database's files still holds a destroyed key.
    if (report.deleted > 0 || recovered > 0) report.keysPurged = await ctx.deps.files.purgeDestroyedKeys();
    // If anything above throws, the pending deletions stay recorded and the run stays `running`: the next run (or
    // the next start of the server) completes them and then closes this run with its certificate, as after a crash.
    await lease.keep();
    await finishRun(ctx, run, 'completed');
  }
  report.finishedMs = ctx.deps.now();
  return report;
}

export function busyError(): RetentionError {
  return new RetentionError('retention_run_busy', 'a retention run is already in progress (in this or another process); try again when it has finished');
}
