// Queries on segment_tombstones and integrity_checkpoints (R15). Owned by integrity/; no other module touches them.
// The segments table itself belongs to recording/ and is read through the IntegritySources port.
import type { Db, IntegrityCheckpointRow, IntegrityVerifyRunRow, SegmentTombstoneRow } from '../db/index.js';
import type { VerifyRun, VerifyRunSummary } from './runs.js';

export class IntegrityRepo {
  constructor(private readonly db: Db) {}

  async insertCheckpoint(row: Omit<IntegrityCheckpointRow, 'id'>): Promise<number> {
    const r = await this.db.insertInto('integrity_checkpoints').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }

  async lastCheckpoint(): Promise<IntegrityCheckpointRow | undefined> {
    return this.db.selectFrom('integrity_checkpoints').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  async checkpoints(): Promise<IntegrityCheckpointRow[]> {
    return this.db.selectFrom('integrity_checkpoints').selectAll().orderBy('id').execute();
  }

  /** Written by the retention executor (R17) when it has removed a segment's file; see docs/integrity.md. */
  /** Once per segment: a second executor finishing the same deletion (a CLI run beside serve) finds it there. */
  async insertTombstone(row: SegmentTombstoneRow): Promise<void> {
    await this.db.insertInto('segment_tombstones').values(row).onConflict((oc) => oc.column('segment_id').doNothing()).execute();
  }

  /** The tombstone of one segment, if it was lawfully deleted (the retention executor completes crashed deletions). */
  async tombstone(segmentId: number): Promise<SegmentTombstoneRow | undefined> {
    return this.db.selectFrom('segment_tombstones').selectAll().where('segment_id', '=', segmentId).executeTakeFirst();
  }

  async tombstonesOfStream(streamId: string): Promise<SegmentTombstoneRow[]> {
    return this.db.selectFrom('segment_tombstones').selectAll().where('stream_id', '=', streamId).orderBy('segment_id').execute();
  }

  async tombstoneStreams(cameraId?: string): Promise<{ stream_id: string; camera_id: string }[]> {
    let q = this.db.selectFrom('segment_tombstones').select(['stream_id', 'camera_id']).distinct();
    if (cameraId !== undefined) q = q.where('camera_id', '=', cameraId);
    return q.execute();
  }

  async insertVerifyRun(run: Omit<VerifyRun, 'id'>): Promise<number> {
    const r = await this.db.insertInto('integrity_verify_runs').values({
      started_ms: run.startedMs, finished_ms: run.finishedMs, trigger: run.trigger, camera_id: run.cameraId,
      ok: run.ok ? 1 : 0, summary: JSON.stringify(run.summary),
    }).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  }

  /** The newest runs, newest first. */
  async recentVerifyRuns(limit: number): Promise<VerifyRun[]> {
    const rows = await this.db.selectFrom('integrity_verify_runs').selectAll().orderBy('finished_ms', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRun);
  }
}

function toRun(r: IntegrityVerifyRunRow): VerifyRun {
  return {
    id: Number(r.id), startedMs: Number(r.started_ms), finishedMs: Number(r.finished_ms),
    trigger: r.trigger === 'manual' ? 'manual' : 'schedule', cameraId: r.camera_id, ok: Number(r.ok) === 1,
    summary: JSON.parse(r.summary) as VerifyRunSummary,
  };
}
