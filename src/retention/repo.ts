// Queries on retention_policies, legal_holds, retention_runs, retention_deletions and retention_lease. Owned by retention/; no other
// module touches these tables. Parameterised queries only (Kysely).
import type { Db, LegalHoldRow, RetentionDeletionRow, RetentionPolicyRow, RetentionRunRow } from '../db/index.js';

export type NewPolicyRow = RetentionPolicyRow;
export type NewHoldRow = LegalHoldRow;

export class RetentionRepo {
  constructor(private readonly db: Db) {}

  // ---- policies
  async policies(): Promise<RetentionPolicyRow[]> {
    return this.db.selectFrom('retention_policies').selectAll().orderBy('scope_kind').orderBy('scope_id').execute();
  }

  async policyOfScope(kind: string, scopeId: string): Promise<RetentionPolicyRow | undefined> {
    return this.db.selectFrom('retention_policies').selectAll().where('scope_kind', '=', kind as RetentionPolicyRow['scope_kind'])
      .where('scope_id', '=', scopeId).executeTakeFirst();
  }

  /**
   * Inserts, or replaces the policy of the same scope (one policy per scope), in one statement: a read-then-insert let
   * two first settings of one scope at once both insert, and the second failed on retention_policies_scope (a 500 on
   * PostgreSQL). Returns the row as stored: a replaced policy keeps its id and created_ms.
   */
  async upsertPolicy(row: NewPolicyRow): Promise<RetentionPolicyRow> {
    const { id: _id, created_ms: _c, scope_kind: _k, scope_id: _s, ...rest } = row;
    return this.db.insertInto('retention_policies').values(row)
      .onConflict((oc) => oc.columns(['scope_kind', 'scope_id']).doUpdateSet(rest))
      .returningAll().executeTakeFirstOrThrow();
  }

  async deletePolicy(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('retention_policies').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  // ---- legal holds
  async holds(): Promise<LegalHoldRow[]> {
    return this.db.selectFrom('legal_holds').selectAll().orderBy('created_ms', 'desc').orderBy('id', 'desc').execute();
  }

  async hold(id: string): Promise<LegalHoldRow | undefined> {
    return this.db.selectFrom('legal_holds').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertHold(row: NewHoldRow): Promise<void> {
    await this.db.insertInto('legal_holds').values(row).execute();
  }

  /** Records a lift request, only if none is pending and the hold is not lifted (compare-and-set). */
  async requestLift(id: string, by: string, reason: string, atMs: number): Promise<boolean> {
    const r = await this.db.updateTable('legal_holds').set({ lift_requested_by: by, lift_requested_ms: atMs, lift_reason: reason })
      .where('id', '=', id).where('lift_requested_by', 'is', null).where('lifted_ms', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Lifts the hold, only if the lift was requested by `requestedBy` and it is not lifted yet (compare-and-set). */
  async approveLift(id: string, requestedBy: string, approver: string, atMs: number): Promise<boolean> {
    const r = await this.db.updateTable('legal_holds').set({ lift_approved_by: approver, lifted_ms: atMs })
      .where('id', '=', id).where('lift_requested_by', '=', requestedBy).where('lifted_ms', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async expiredUnlogged(nowMs: number): Promise<LegalHoldRow[]> {
    return this.db.selectFrom('legal_holds').selectAll().where('expires_ms', '<=', nowMs).where('lifted_ms', 'is', null)
      .where('expiry_logged_ms', 'is', null).execute();
  }

  async markExpiryLogged(id: string, atMs: number): Promise<void> {
    await this.db.updateTable('legal_holds').set({ expiry_logged_ms: atMs }).where('id', '=', id).execute();
  }

  // ---- runs and deletions
  async insertRun(row: RetentionRunRow): Promise<void> {
    await this.db.insertInto('retention_runs').values(row).execute();
  }

  async finishRun(id: string, patch: Pick<RetentionRunRow, 'finished_ms' | 'status' | 'segments' | 'bytes' | 'certificate' | 'key_id' | 'signature'>): Promise<void> {
    await this.db.updateTable('retention_runs').set(patch).where('id', '=', id).execute();
  }

  async run(id: string): Promise<RetentionRunRow | undefined> {
    return this.db.selectFrom('retention_runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async runs(limit: number, offset: number): Promise<RetentionRunRow[]> {
    return this.db.selectFrom('retention_runs').selectAll().orderBy('started_ms', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
  }

  async unfinishedRuns(): Promise<RetentionRunRow[]> {
    return this.db.selectFrom('retention_runs').selectAll().where('status', '=', 'running').orderBy('started_ms').execute();
  }

  async insertDeletions(rows: RetentionDeletionRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 200) {
      await this.db.insertInto('retention_deletions').values(rows.slice(i, i + 200)).execute();
    }
  }

  async deletionsOfRun(runId: string): Promise<RetentionDeletionRow[]> {
    return this.db.selectFrom('retention_deletions').selectAll().where('run_id', '=', runId).orderBy('segment_id').execute();
  }

  async pendingDeletions(): Promise<RetentionDeletionRow[]> {
    return this.db.selectFrom('retention_deletions').selectAll().where('state', '=', 'pending').orderBy('segment_id').execute();
  }

  async settleDeletion(runId: string, segmentId: number, state: 'deleted' | 'abandoned', deletedMs: number | null): Promise<void> {
    await this.db.updateTable('retention_deletions').set({ state, deleted_ms: deletedMs })
      .where('run_id', '=', runId).where('segment_id', '=', segmentId).execute();
  }

  // ---- the executor's lease
  /**
   * Takes or renews the lease for `holder` until `untilMs`, if it is free, expired at `nowMs` or already this
   * holder's. One conditional UPDATE on the row the migration made, so of two processes asking at once one wins.
   */
  async takeLease(holder: string, nowMs: number, untilMs: number): Promise<boolean> {
    const r = await this.db.updateTable('retention_lease').set({ holder, expires_ms: untilMs }).where('name', '=', 'executor')
      .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_ms', '<=', nowMs)])).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async releaseLease(holder: string): Promise<void> {
    await this.db.updateTable('retention_lease').set({ holder: '', expires_ms: 0 }).where('name', '=', 'executor').where('holder', '=', holder).execute();
  }
}
