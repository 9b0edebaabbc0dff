// Queries on `recording_runs` and `segments` — the index of every recorded byte. Owned by recording/; no other
// module touches these tables. A segment row is inserted only after its file is durable (storage invariant 1).
import { sql, type Kysely } from 'kysely';
import { withWriteLock, type Database, type Db, type NewSegmentRow, type RecordingRunRow, type SegmentRow } from '../db/index.js';
import { GENESIS_HASH, segmentLink, type LinkedFields } from '../integrity/index.js';

/** Arbitrary constant naming "the segment chain writer" among PostgreSQL advisory locks (R15). */
const CHAIN_LOCK_KEY = 0x5649_4732; // 'VIG2'

/**
 * No segment is longer than this (the writer cuts even without a keyframe past it), so a time lookup can bound its
 * index range scan: `start_ms > from - MAX_SEGMENT_DURATION_MS` keeps seeking O(log n) however old the range is.
 */
export const MAX_SEGMENT_DURATION_MS = 15 * 60_000;

/** Statuses of a row whose file is being, or has been, lawfully deleted (R17): not footage any more. */
export const DELETION_STATUSES = ['deleting', 'deleted'];

export type SegmentMeta = Omit<SegmentRow, 'fragment_index' | 'sha256' | 'chain_prev' | 'chain_hash'>;

const metaColumns = [
  'id', 'run_id', 'stream_id', 'camera_id', 'seq', 'start_ms', 'end_ms', 'media_start', 'timescale', 'size_bytes',
  'init_size_bytes', 'frames', 'keyframes', 'codec', 'width', 'height', 'status', 'created_ms',
] as const;

export class RecordingRepo {
  constructor(private readonly db: Db) {}

  async openRun(run: { streamId: string; cameraId: string; startMs: number; startCause: string }): Promise<number> {
    const row = await this.db
      .insertInto('recording_runs')
      .values({ stream_id: run.streamId, camera_id: run.cameraId, start_ms: run.startMs, start_cause: run.startCause, end_ms: null, end_cause: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** The run's start once its clock has settled (the row is written at the first fragment, before that). */
  async updateRunStart(runId: number, startMs: number): Promise<void> {
    await this.db.updateTable('recording_runs').set({ start_ms: startMs }).where('id', '=', runId).execute();
  }

  async closeRun(runId: number, endMs: number, endCause: string): Promise<void> {
    await this.db.updateTable('recording_runs').set({ end_ms: endMs, end_cause: endCause }).where('id', '=', runId).execute();
  }

  /**
   * Inserts the row with its R15 chain link, computed from the stream's head in the same transaction: the row and
   * its link commit together or not at all, so a crash can never leave a segment unlinked or a link dangling.
   */
  async insertSegment(row: NewSegmentRow): Promise<number> {
    return this.withChainLock(row.stream_id, async (tx) => {
      const head = await tx
        .selectFrom('segments')
        .select('chain_hash')
        .where('stream_id', '=', row.stream_id)
        .where('chain_hash', 'is not', null)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      const prev = head?.chain_hash ?? GENESIS_HASH;
      const linked = { ...row, chain_prev: prev, chain_hash: segmentLink(prev, row as LinkedFields) };
      const r = await tx.insertInto('segments').values(linked).returning('id').executeTakeFirstOrThrow();
      return Number(r.id);
    });
  }

  /** The last link of every stream (R15 checkpoints sign these). */
  async chainHeads(): Promise<{ stream_id: string; camera_id: string; id: number; chain_hash: Buffer }[]> {
    const last = this.db.selectFrom('segments').select((eb) => eb.fn.max('id').as('id')).where('chain_hash', 'is not', null).groupBy('stream_id');
    const rows = await this.db
      .selectFrom('segments')
      .select(['stream_id', 'camera_id', 'id', 'chain_hash'])
      .where('id', 'in', last)
      .orderBy('stream_id')
      .execute();
    return rows.map((r) => ({ stream_id: r.stream_id, camera_id: r.camera_id, id: Number(r.id), chain_hash: r.chain_hash! }));
  }

  /** The streams with segments (of one camera, if given), for `vigil verify`. */
  async segmentStreams(cameraId?: string): Promise<{ stream_id: string; camera_id: string }[]> {
    let q = this.db.selectFrom('segments').select(['stream_id', 'camera_id']).distinct();
    if (cameraId !== undefined) q = q.where('camera_id', '=', cameraId);
    return q.orderBy('stream_id').execute();
  }

  /** Every row of one stream in chain (id) order, page by page, for `vigil verify` (R15). */
  async *streamSegments(streamId: string, pageSize = 2000): AsyncGenerator<SegmentRow[]> {
    let after = 0;
    for (;;) {
      const page = await this.db
        .selectFrom('segments')
        .selectAll()
        .where('stream_id', '=', streamId)
        .where('id', '>', after)
        .orderBy('id')
        .limit(pageSize)
        .execute();
      if (page.length === 0) return;
      yield page;
      after = Number(page[page.length - 1]!.id);
    }
  }

  /**
   * Segments the retention planner judges (R17): every row not already being deleted, without the blobs, page by
   * page in id order.
   */
  async *retainedSegments(options: { endedByMs?: number; pageSize?: number } = {}): AsyncGenerator<Pick<SegmentRow, 'id' | 'camera_id' | 'start_ms' | 'end_ms' | 'size_bytes'>[]> {
    const pageSize = options.pageSize ?? 5000;
    const by = options.endedByMs;
    let after = 0;
    for (;;) {
      let q = this.db
        .selectFrom('segments')
        .select(['id', 'camera_id', 'start_ms', 'end_ms', 'size_bytes'])
        .where('id', '>', after)
        .where('status', 'not in', DELETION_STATUSES);
      if (by !== undefined) q = q.where('start_ms', '<=', by).where('end_ms', '<=', by);
      const page = await q
        .orderBy('id')
        .limit(pageSize)
        .execute();
      if (page.length === 0) return;
      yield page;
      after = Number(page[page.length - 1]!.id);
    }
  }

  /** Segment rows by id (blobs left out but the hash and links kept), for the retention executor. */
  async segmentsById(ids: readonly number[]): Promise<Omit<SegmentRow, 'fragment_index'>[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('segments')
      .select([...metaColumns, 'sha256', 'chain_prev', 'chain_hash'])
      .where('id', 'in', [...ids])
      .execute();
  }

  /** Step 1 of a deletion (architecture §4.4): the row is marked `deleting` and committed before the file goes. */
  async markDeleting(id: number): Promise<boolean> {
    const r = await this.db.updateTable('segments').set({ status: 'deleting' }).where('id', '=', id).where('status', 'not in', DELETION_STATUSES).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Undoes markDeleting before anything was deleted (a legal hold placed meanwhile covers the segment: R17). */
  async unmarkDeleting(id: number, status: string): Promise<boolean> {
    const r = await this.db.updateTable('segments').set({ status: status as SegmentRow['status'] }).where('id', '=', id).where('status', '=', 'deleting').executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Last step of a deletion, after the tombstone is written: the row goes — unless it is its stream's chain head,
   * which the next recorded segment must still link to (R15); that one stays, marked `deleted`, until a newer row
   * exists. Done under the chain lock so no segment of the stream is inserted meanwhile.
   */
  async finishDeletion(id: number, streamId: string): Promise<'removed' | 'kept_as_head'> {
    return this.withChainLock(streamId, async (tx) => {
      const head = await tx.selectFrom('segments').select('id').where('stream_id', '=', streamId).where('chain_hash', 'is not', null)
        .orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (head && Number(head.id) === id) {
        await tx.updateTable('segments').set({ status: 'deleted' }).where('id', '=', id).execute();
        return 'kept_as_head';
      }
      await tx.deleteFrom('segments').where('id', '=', id).execute();
      return 'removed';
    });
  }

  /** Rows a crashed deletion left marked `deleting` (to be completed), and chain heads kept as `deleted`. */
  async segmentsInDeletion(): Promise<{ id: number; stream_id: string; status: string }[]> {
    const rows = await this.db.selectFrom('segments').select(['id', 'stream_id', 'status']).where('status', 'in', DELETION_STATUSES).orderBy('id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /**
   * Measured recording rate per camera (for the capacity planner, R17): bytes and recorded milliseconds of every
   * segment that ended at or after `sinceMs`.
   */
  async recordedRates(sinceMs: number): Promise<{ camera_id: string; bytes: number; ms: number }[]> {
    const rows = await this.db
      .selectFrom('segments')
      .select((eb) => ['camera_id', eb.fn.sum<number>('size_bytes').as('bytes'), eb.fn.sum<number>(sql`end_ms - start_ms`).as('ms')])
      .where('end_ms', '>=', sinceMs)
      .where('status', 'not in', DELETION_STATUSES)
      .groupBy('camera_id')
      .execute();
    return rows.map((r) => ({ camera_id: r.camera_id, bytes: Number(r.bytes), ms: Number(r.ms) }));
  }

  /**
   * Count and bytes of the held segments that have not wholly ended by `endedByMs` (start or end after it): the
   * complement of `retainedSegments({ endedByMs })`, counted without listing them.
   */
  async segmentsNotEndedBy(endedByMs: number): Promise<{ count: number; bytes: number }> {
    const r = await this.db
      .selectFrom('segments')
      .select((eb) => [
        eb.fn.countAll<number>().as('count'),
        eb.fn.sum<number>(eb.case().when('size_bytes', '>', 0).then(eb.ref('size_bytes')).else(0).end()).as('bytes'),
      ])
      .where('status', 'not in', DELETION_STATUSES)
      .where((eb) => eb.or([eb('start_ms', '>', endedByMs), eb('end_ms', '>', endedByMs)]))
      .executeTakeFirst();
    return { count: Number(r?.count ?? 0), bytes: Number(r?.bytes ?? 0) };
  }

  /** Bytes of every segment still held, per camera (what the store holds now). */
  async storedBytes(): Promise<number> {
    const r = await this.db.selectFrom('segments').select((eb) => eb.fn.sum<number>('size_bytes').as('bytes'))
      .where('status', 'not in', DELETION_STATUSES).executeTakeFirst();
    return Number(r?.bytes ?? 0);
  }

  /** Runs `fn` as the only writer of this stream's chain (across processes) in one transaction. */
  private withChainLock<T>(streamId: string, fn: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
    return withWriteLock(this.db, { key: CHAIN_LOCK_KEY, subKey: streamId }, fn);
  }

  async openRuns(): Promise<RecordingRunRow[]> {
    return this.db.selectFrom('recording_runs').selectAll().where('end_ms', 'is', null).orderBy('id').execute();
  }

  async getRun(runId: number): Promise<RecordingRunRow | undefined> {
    return this.db.selectFrom('recording_runs').selectAll().where('id', '=', runId).executeTakeFirst();
  }

  async segmentsOfRun(runId: number): Promise<SegmentMeta[]> {
    return this.db.selectFrom('segments').select(metaColumns).where('run_id', '=', runId).orderBy('seq').execute();
  }

  async getSegment(id: number): Promise<SegmentRow | undefined> {
    return this.db.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Segments of a camera overlapping [fromMs, toMs), in time order, with their fragment index. Uses the index. */
  async segmentsInRange(cameraId: string, fromMs: number, toMs: number, streamId?: string): Promise<SegmentRow[]> {
    let q = this.db
      .selectFrom('segments')
      .selectAll()
      .where('camera_id', '=', cameraId)
      .where('start_ms', '>', fromMs - MAX_SEGMENT_DURATION_MS)
      .where('start_ms', '<', toMs)
      .where('end_ms', '>', fromMs)
      .where('status', 'not in', DELETION_STATUSES);
    if (streamId) q = q.where('stream_id', '=', streamId);
    return q.orderBy('start_ms').orderBy('id').execute();
  }

  /** Runs of a camera overlapping [fromMs, toMs) (open runs included). */
  async runsInRange(cameraId: string, fromMs: number, toMs: number, streamId?: string): Promise<RecordingRunRow[]> {
    let q = this.db
      .selectFrom('recording_runs')
      .selectAll()
      .where('camera_id', '=', cameraId)
      .where('start_ms', '<', toMs)
      .where((eb) => eb.or([eb('end_ms', 'is', null), eb('end_ms', '>', fromMs)]));
    if (streamId) q = q.where('stream_id', '=', streamId);
    return q.orderBy('start_ms').orderBy('id').execute();
  }

  /** Every segment row without the blobs, page by page (for `check --storage`). */
  async *allSegments(pageSize = 5000): AsyncGenerator<SegmentRow> {
    let after = 0;
    for (;;) {
      const page = await this.db.selectFrom('segments').selectAll().where('id', '>', after).orderBy('id').limit(pageSize).execute();
      if (page.length === 0) return;
      yield* page;
      after = Number(page[page.length - 1]!.id);
    }
  }

  async runIds(): Promise<Set<number>> {
    const rows = await this.db.selectFrom('recording_runs').select('id').execute();
    return new Set(rows.map((r) => Number(r.id)));
  }

  /** SQLite's own consistency check ('ok' when sound); PostgreSQL has no equivalent cheap check. */
  async databaseIntegrity(dialect: 'sqlite' | 'postgres'): Promise<string[]> {
    if (dialect !== 'sqlite') return [];
    const result = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(this.db);
    return result.rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
  }
}
