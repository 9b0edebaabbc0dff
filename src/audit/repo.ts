// Queries on the audit tables (access_register, access_register_cameras, system_log, audit_checkpoints). Owned by
// audit/; no other module touches them. Only INSERT and SELECT: the tables are append-only (triggers refuse the
// rest). Appends run under one writer lock (db's withWriteLock: BEGIN IMMEDIATE / pg_advisory_xact_lock), so
// the head read inside the transaction is the head the new rows chain on, whatever process writes.
import type { Kysely } from 'kysely';
import { withWriteLock, type AccessRegisterRow, type AuditCheckpointRow, type Database, type Db, type SystemLogRow } from '../db/index.js';
import type { LogName } from './chain.js';
import type { AccessFilter, Page, SystemFilter } from './types.js';

/** Arbitrary constant naming "the audit registers' writer" among PostgreSQL advisory locks. */
const APPEND_LOCK_KEY = 0x5649_4731; // 'VIG1'
/** Rows per INSERT statement: 24 columns × 400 stays far below SQLite's and PostgreSQL's parameter limits. */
const INSERT_CHUNK = 400;

export interface Head {
  seq: number;
  hash: Buffer;
}

export type AccessRowWithClose = AccessRegisterRow & { close_seq: number | null; close_bytes: number | null; close_ended_ms: number | null };

export class AuditRepo {
  constructor(private readonly db: Db) {}

  /** Runs `fn` as the only appender of either log (across processes), in one transaction. */
  withAppendLock<T>(fn: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
    return withWriteLock(this.db, { key: APPEND_LOCK_KEY }, fn);
  }

  async head(tx: Kysely<Database>, log: LogName): Promise<Head | null> {
    const row = await tx.selectFrom(tableOf(log)).select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  }

  async insertAccess(tx: Kysely<Database>, rows: AccessRegisterRow[], cameras: { seq: number; camera_id: string; at_ms: number }[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await tx.insertInto('access_register').values(rows.slice(i, i + INSERT_CHUNK)).execute();
    for (let i = 0; i < cameras.length; i += INSERT_CHUNK * 4) {
      await tx.insertInto('access_register_cameras').values(cameras.slice(i, i + INSERT_CHUNK * 4)).execute();
    }
  }

  async insertSystem(tx: Kysely<Database>, rows: SystemLogRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await tx.insertInto('system_log').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }

  /** The access rows with these seqs, and which of them already have a close entry (for closing them). */
  async openEntries(tx: Kysely<Database>, seqs: number[]): Promise<{ rows: AccessRegisterRow[]; closed: Set<number> }> {
    if (seqs.length === 0) return { rows: [], closed: new Set() };
    const rows = await tx.selectFrom('access_register').selectAll().where('seq', 'in', seqs).execute();
    const closes = await tx.selectFrom('access_register').select('for_seq').where('for_seq', 'in', seqs).execute();
    return { rows, closed: new Set(closes.map((c) => Number(c.for_seq))) };
  }

  async insertCheckpoint(row: Omit<AuditCheckpointRow, 'id'>): Promise<void> {
    await this.db.insertInto('audit_checkpoints').values(row).execute();
  }

  async lastCheckpoint(log: LogName): Promise<AuditCheckpointRow | undefined> {
    return this.db.selectFrom('audit_checkpoints').selectAll().where('log', '=', log).orderBy('upto_seq', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  async checkpoints(log: LogName): Promise<AuditCheckpointRow[]> {
    return this.db.selectFrom('audit_checkpoints').selectAll().where('log', '=', log).orderBy('id').execute();
  }

  async maxSeq(log: LogName): Promise<number> {
    const row = await this.db.selectFrom(tableOf(log)).select((eb) => eb.fn.max('seq').as('max')).executeTakeFirst();
    return row?.max == null ? 0 : Number(row.max);
  }

  async accessRowAt(seq: number): Promise<AccessRegisterRow | undefined> {
    return this.db.selectFrom('access_register').selectAll().where('seq', '=', seq).executeTakeFirst();
  }

  async systemRowAt(seq: number): Promise<SystemLogRow | undefined> {
    return this.db.selectFrom('system_log').selectAll().where('seq', '=', seq).executeTakeFirst();
  }

  /** Every row of the access register in seq order, page by page (for verify). */
  scanAccess(pageSize = 5000): AsyncGenerator<AccessRegisterRow[]> {
    return this.scan('access_register', pageSize) as AsyncGenerator<AccessRegisterRow[]>;
  }

  scanSystem(pageSize = 5000): AsyncGenerator<SystemLogRow[]> {
    return this.scan('system_log', pageSize) as AsyncGenerator<SystemLogRow[]>;
  }

  private async *scan(table: 'access_register' | 'system_log', pageSize: number): AsyncGenerator<(AccessRegisterRow | SystemLogRow)[]> {
    let after = 0;
    for (;;) {
      const page = await this.db.selectFrom(table).selectAll().where('seq', '>', after).orderBy('seq').limit(pageSize).execute();
      if (page.length === 0) return;
      yield page;
      after = Number(page[page.length - 1]!.seq);
    }
  }

  /** Camera index rows for seq in [fromSeq, toSeq], and any index row whose seq has no register row at all. */
  async cameraIndex(fromSeq: number, toSeq: number): Promise<{ seq: number; camera_id: string; at_ms: number }[]> {
    return this.db.selectFrom('access_register_cameras').selectAll().where('seq', '>=', fromSeq).where('seq', '<=', toSeq).execute();
  }

  async cameraIndexBeyond(seq: number): Promise<number[]> {
    const rows = await this.db.selectFrom('access_register_cameras').select('seq').where('seq', '>', seq).limit(100).execute();
    return rows.map((r) => Number(r.seq));
  }

  // --- queries -----------------------------------------------------------------------------------------------

  private accessBase(filter: AccessFilter) {
    let q = this.db.selectFrom('access_register as a').where('a.kind', '!=', 'close');
    if (filter.outcome) q = q.where('a.kind', '=', filter.outcome === 'granted' ? 'open' : 'refused');
    if (filter.accountId !== undefined) q = q.where('a.account_id', '=', filter.accountId);
    if (filter.username !== undefined) q = q.where('a.username', '=', filter.username);
    if (filter.unit !== undefined) q = q.where('a.unit', '=', filter.unit);
    if (filter.action !== undefined) q = q.where('a.action', '=', filter.action);
    if (filter.reasonCategory !== undefined) q = q.where('a.reason_category', '=', filter.reasonCategory);
    if (filter.cameraId !== undefined) {
      // The time bounds go inside the sub-query so the (camera_id, at_ms) index answers it alone: one camera-day is
      // one index range however long the register.
      let sub = this.db.selectFrom('access_register_cameras as x').select('x.seq').where('x.camera_id', '=', filter.cameraId);
      if (filter.fromMs !== undefined) sub = sub.where('x.at_ms', '>=', filter.fromMs);
      if (filter.toMs !== undefined) sub = sub.where('x.at_ms', '<', filter.toMs);
      return q.where('a.seq', 'in', sub);
    }
    if (filter.fromMs !== undefined) q = q.where('a.at_ms', '>=', filter.fromMs);
    if (filter.toMs !== undefined) q = q.where('a.at_ms', '<', filter.toMs);
    return q;
  }

  async queryAccess(filter: AccessFilter, page: Page & { afterSeq?: number; ascending?: boolean }): Promise<AccessRowWithClose[]> {
    let q = this.accessBase(filter)
      .leftJoin('access_register as c', 'c.for_seq', 'a.seq')
      .selectAll('a')
      .select(['c.seq as close_seq', 'c.bytes as close_bytes', 'c.ended_ms as close_ended_ms']);
    if (page.afterSeq !== undefined) q = q.where('a.seq', '>', page.afterSeq);
    const rows = await q.orderBy('a.seq', page.ascending ? 'asc' : 'desc').limit(page.limit).offset(page.offset).execute();
    return rows as AccessRowWithClose[];
  }

  async countAccess(filter: AccessFilter): Promise<number> {
    const row = await this.accessBase(filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private systemBase(filter: SystemFilter) {
    let q = this.db.selectFrom('system_log');
    if (filter.actorId !== undefined) q = q.where('actor_id', '=', filter.actorId);
    if (filter.event !== undefined) q = q.where('event', '=', filter.event);
    if (filter.target !== undefined) q = q.where('target', '=', filter.target);
    if (filter.fromMs !== undefined) q = q.where('at_ms', '>=', filter.fromMs);
    if (filter.toMs !== undefined) q = q.where('at_ms', '<', filter.toMs);
    return q;
  }

  async querySystem(filter: SystemFilter, page: Page & { afterSeq?: number; ascending?: boolean }): Promise<SystemLogRow[]> {
    let q = this.systemBase(filter).selectAll();
    if (page.afterSeq !== undefined) q = q.where('seq', '>', page.afterSeq);
    return q.orderBy('seq', page.ascending ? 'asc' : 'desc').limit(page.limit).offset(page.offset).execute();
  }

  async countSystem(filter: SystemFilter): Promise<number> {
    const row = await this.systemBase(filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function tableOf(log: LogName): 'access_register' | 'system_log' {
  return log === 'access' ? 'access_register' : 'system_log';
}
