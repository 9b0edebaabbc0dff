// AuditRegisters: the access register and the system log (R16.3). Appends are serialized in-process (one queue; the
// entries waiting while a transaction runs go into the next one, so concurrent callers share commits) and across
// processes by the repo's writer lock. Each append resolves only once its row is committed. Checkpoints sign the
// head this process wrote — never a head it merely read, so a row slipped in by someone else is not blessed.
import type { KeyObject } from 'node:crypto';
import type { AccessRecorder, AccessRecordInput, SystemEventInput, SystemEventRecorder } from '../access/index.js';
import type { AccessRegisterRow, Database, Db, Kysely, SystemLogRow } from '../db/index.js';
import { GENESIS_HASH, keyIdOf, publicKeyOf, rowHash, signCheckpoint, type LogName } from './chain.js';
import { toAccessEntry, toSystemEntry, writeExport, type ExportFormat } from './entries.js';
import { AuditError } from './errors.js';
import { AuditRepo, type Head } from './repo.js';
import type { AccessEntry, AccessFilter, AuditVerifyOptions, AuditVerifyReport, Page, PageOf, SystemEntry, SystemFilter } from './types.js';
import { verifyRegisters } from './verify.js';

export interface AuditRegistersDeps {
  db: Db;
  now: () => number;
  /** Ed25519 private key; loaded by app/ (audit/ never touches the file system). */
  signingKey: KeyObject;
  checkpointEveryEntries: number;
  checkpointEveryMs: number;
}

/** Entries per transaction at most: bounds a transaction's duration and memory under a burst. */
const MAX_BATCH = 2000;
const EXPORT_PAGE = 1000;

type Settle = { resolve: (v: { id: number; atMs: number }) => void; reject: (e: unknown) => void };
type Pending =
  | ({ log: 'access'; atMs: number; input: AccessRecordInput } & Settle)
  | ({ log: 'close'; atMs: number; forSeq: number; bytes: number; endedMs: number } & Settle)
  | ({ log: 'system'; atMs: number; input: SystemEventInput } & Settle);

type Result = { ok: true; id: number; atMs: number } | { ok: false; error: AuditError };
interface Written {
  results: Result[];
  access: { head: Head; count: number };
  system: { head: Head; count: number };
}

export class AuditRegisters implements AccessRecorder, SystemEventRecorder {
  private readonly repo: AuditRepo;
  private readonly keyId: string;
  private pending: Pending[] = [];
  private scheduled = false;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private loaded: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  /** The last row this process wrote, per log (what its checkpoints sign). */
  private readonly ownHead: Record<LogName, Head | null> = { access: null, system: null };
  private readonly checkpointedSeq: Record<LogName, number> = { access: 0, system: 0 };
  private readonly sinceCheckpoint: Record<LogName, number> = { access: 0, system: 0 };
  private readonly lastCheckpointMs: Record<LogName, number>;

  constructor(private readonly deps: AuditRegistersDeps) {
    this.repo = new AuditRepo(deps.db);
    this.keyId = keyIdOf(deps.signingKey);
    const now = deps.now();
    this.lastCheckpointMs = { access: now, system: now };
    // Time-based checkpoints also happen when nothing is appended afterwards; unref'd so it never holds the process.
    this.timer = setInterval(() => void this.serial(() => this.checkpointDue()).catch(() => undefined), Math.min(deps.checkpointEveryMs, 60_000));
    this.timer.unref();
  }

  recordAccess(input: AccessRecordInput): Promise<{ id: number; atMs: number }> {
    return this.enqueue((s) => ({ log: 'access', atMs: this.deps.now(), input, ...s }));
  }

  async recordAccessEnd(accessId: number, end: { bytes: number; endedMs: number }): Promise<void> {
    await this.enqueue((s) => ({ log: 'close', atMs: this.deps.now(), forSeq: accessId, ...end, ...s }));
  }

  recordEvent(input: SystemEventInput): Promise<{ id: number; atMs: number }> {
    return this.enqueue((s) => ({ log: 'system', atMs: this.deps.now(), input, ...s }));
  }

  async queryAccess(filter: AccessFilter, page: Page): Promise<PageOf<AccessEntry>> {
    const [rows, total] = await Promise.all([this.repo.queryAccess(filter, page), this.repo.countAccess(filter)]);
    return { items: rows.map(toAccessEntry), total };
  }

  async querySystem(filter: SystemFilter, page: Page): Promise<PageOf<SystemEntry>> {
    const [rows, total] = await Promise.all([this.repo.querySystem(filter, page), this.repo.countSystem(filter)]);
    return { items: rows.map(toSystemEntry), total };
  }

  /** One system-log entry by its sequence number (verify reads the entry a tombstone names), or null. */
  async systemEntry(seq: number): Promise<SystemEntry | null> {
    const row = await this.repo.systemRowAt(seq);
    return row ? toSystemEntry(row) : null;
  }

  /** Streams every matching entry, oldest first; returns how many were written. */
  exportAccess(filter: AccessFilter, format: ExportFormat, write: (chunk: string) => Promise<void>): Promise<number> {
    const repo = this.repo;
    async function* pages() {
      let afterSeq = 0;
      for (;;) {
        const rows = await repo.queryAccess(filter, { limit: EXPORT_PAGE, offset: 0, afterSeq, ascending: true });
        if (rows.length === 0) return;
        yield rows.map(toAccessEntry);
        afterSeq = Number(rows[rows.length - 1]!.seq);
      }
    }
    return writeExport(pages(), 'access', format, write);
  }

  exportSystem(filter: SystemFilter, format: ExportFormat, write: (chunk: string) => Promise<void>): Promise<number> {
    const repo = this.repo;
    async function* pages() {
      let afterSeq = 0;
      for (;;) {
        const rows = await repo.querySystem(filter, { limit: EXPORT_PAGE, offset: 0, afterSeq, ascending: true });
        if (rows.length === 0) return;
        yield rows.map(toSystemEntry);
        afterSeq = Number(rows[rows.length - 1]!.seq);
      }
    }
    return writeExport(pages(), 'system', format, write);
  }

  /** Checks both chains, every checkpoint and the camera index. Waits for queued appends first. */
  async verify(options: AuditVerifyOptions = {}): Promise<AuditVerifyReport> {
    await this.serial(async () => undefined);
    return verifyRegisters(this.repo, this.deps.signingKey, { ...this.ownHead }, options);
  }

  /** Signs the head of each log this process has appended to since its last checkpoint. */
  async checkpointNow(): Promise<void> {
    await this.serial(() => this.checkpointAll(true));
  }

  publicKeyPem(): string {
    return publicKeyOf(this.deps.signingKey).export({ type: 'spki', format: 'pem' }).toString();
  }

  get signingKeyId(): string {
    return this.keyId;
  }

  /** Refuses new appends, waits for queued ones and writes the final checkpoints. */
  async close(): Promise<void> {
    if (this.closed) return this.tail.then(() => undefined);
    this.closed = true;
    clearInterval(this.timer);
    await this.serial(() => this.checkpointAll(true));
  }

  // --- appending ------------------------------------------------------------------------------------------------

  private enqueue(make: (s: Settle) => Pending): Promise<{ id: number; atMs: number }> {
    if (this.closed) return Promise.reject(new AuditError('audit_closed', 'the audit registers are closed'));
    return new Promise((resolve, reject) => {
      this.pending.push(make({ resolve, reject }));
      if (!this.scheduled) {
        this.scheduled = true;
        void this.serial(() => this.drain()).catch(() => undefined);
      }
    });
  }

  /** Runs `fn` after everything queued before it: appends and checkpoints never interleave in this process. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private load(): Promise<void> {
    return (this.loaded ??= (async () => {
      for (const log of ['access', 'system'] as const) {
        const last = await this.repo.lastCheckpoint(log);
        if (last) this.checkpointedSeq[log] = Number(last.upto_seq);
      }
    })().catch((err: unknown) => {
      this.loaded = null; // try again on the next call
      throw err;
    }));
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.splice(0, MAX_BATCH);
    if (this.pending.length) {
      this.scheduled = true;
      void this.serial(() => this.drain()).catch(() => undefined);
    }
    if (batch.length === 0) return;
    let written: Written;
    try {
      // Inside the try: if even loading fails, every caller of this batch hears of it (none is left hanging).
      await this.load();
      written = await this.repo.withAppendLock((tx) => this.writeBatch(tx, batch));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    // Only after the commit: a head that was rolled back must never be signed.
    for (const log of ['access', 'system'] as const) {
      const w = written[log];
      if (w.count) {
        this.ownHead[log] = w.head;
        this.sinceCheckpoint[log] += w.count;
      }
    }
    const results = written.results;
    batch.forEach((p, i) => {
      const r = results[i]!;
      if (r.ok) p.resolve({ id: r.id, atMs: r.atMs });
      else p.reject(r.error);
    });
    await this.checkpointDue().catch(() => undefined); // a failed checkpoint is retried at the next batch or tick
  }

  private async writeBatch(tx: Kysely<Database>, batch: Pending[]): Promise<Written> {
    const heads: Record<LogName, Head | null> = {
      access: batch.some((p) => p.log !== 'system') ? await this.repo.head(tx, 'access') : null,
      system: batch.some((p) => p.log === 'system') ? await this.repo.head(tx, 'system') : null,
    };
    let access = heads.access ?? { seq: 0, hash: GENESIS_HASH };
    let system = heads.system ?? { seq: 0, hash: GENESIS_HASH };
    const forSeqs = batch.flatMap((p) => (p.log === 'close' ? [p.forSeq] : []));
    const { rows: opens, closed } = await this.repo.openEntries(tx, forSeqs);
    const openBySeq = new Map(opens.map((r) => [Number(r.seq), r]));
    const accessRows: AccessRegisterRow[] = [];
    const cameraRows: { seq: number; camera_id: string; at_ms: number }[] = [];
    const systemRows: SystemLogRow[] = [];
    const results: Result[] = [];
    for (const p of batch) {
      if (p.log === 'system') {
        const row = systemRow(p, system.seq + 1, system.hash);
        systemRows.push(row);
        system = { seq: row.seq, hash: row.hash };
        results.push({ ok: true, id: row.seq, atMs: row.at_ms });
        continue;
      }
      let body: Omit<AccessRegisterRow, 'seq' | 'prev_hash' | 'hash'>;
      if (p.log === 'close') {
        const open = openBySeq.get(p.forSeq) ?? accessRows.find((r) => r.seq === p.forSeq);
        if (!open || open.kind !== 'open') {
          results.push({ ok: false, error: new AuditError('audit_entry_not_found', `no granted access entry ${p.forSeq} to close`) });
          continue;
        }
        if (closed.has(p.forSeq)) {
          results.push({ ok: false, error: new AuditError('audit_entry_already_closed', `access entry ${p.forSeq} is already closed`) });
          continue;
        }
        closed.add(p.forSeq);
        body = closeBody(open, p);
      } else {
        body = accessBody(p);
      }
      const row: AccessRegisterRow = { ...body, seq: access.seq + 1, prev_hash: access.hash, hash: Buffer.alloc(0) };
      row.hash = rowHash('access', row);
      accessRows.push(row);
      if (row.kind !== 'close') {
        for (const cameraId of new Set(p.log === 'access' ? p.input.cameraIds : [])) cameraRows.push({ seq: row.seq, camera_id: cameraId, at_ms: row.at_ms });
      }
      access = { seq: row.seq, hash: row.hash };
      results.push({ ok: true, id: row.seq, atMs: row.at_ms });
    }
    if (accessRows.length) await this.repo.insertAccess(tx, accessRows, cameraRows);
    if (systemRows.length) await this.repo.insertSystem(tx, systemRows);
    return { results, access: { head: access, count: accessRows.length }, system: { head: system, count: systemRows.length } };
  }

  // --- checkpoints ----------------------------------------------------------------------------------------------

  private checkpointDue(): Promise<void> {
    return this.checkpointAll(false);
  }

  private async checkpointAll(force: boolean): Promise<void> {
    await this.load();
    const now = this.deps.now();
    for (const log of ['access', 'system'] as const) {
      const head = this.ownHead[log];
      if (!head || head.seq <= this.checkpointedSeq[log]) continue;
      const due = this.sinceCheckpoint[log] >= this.deps.checkpointEveryEntries || now - this.lastCheckpointMs[log] >= this.deps.checkpointEveryMs;
      if (!force && !due) continue;
      const body = { log, uptoSeq: head.seq, headHash: head.hash, atMs: now };
      await this.repo.insertCheckpoint({
        log, upto_seq: head.seq, head_hash: head.hash, at_ms: now, key_id: this.keyId, signature: signCheckpoint(body, this.deps.signingKey),
      });
      this.checkpointedSeq[log] = head.seq;
      this.sinceCheckpoint[log] = 0;
      this.lastCheckpointMs[log] = now;
    }
  }
}

function accessBody(p: Extract<Pending, { log: 'access' }>): Omit<AccessRegisterRow, 'seq' | 'prev_hash' | 'hash'> {
  const i = p.input;
  return {
    at_ms: p.atMs, kind: i.outcome === 'granted' ? 'open' : 'refused', for_seq: null, account_id: i.accountId,
    username: i.username, display_name: i.displayName, unit: i.unit, roles: i.roles.join(','), action: i.action,
    camera_ids: JSON.stringify(i.cameraIds), from_ms: i.fromMs, to_ms: i.toMs, reason_category: i.reasonCategory,
    reason_text: i.reasonText, request_id: i.requestId, client_addr: i.clientAddr, refusal_code: i.refusal?.code ?? null,
    refusal_article: i.refusal?.article ?? null, refusal_message: i.refusal?.message ?? null, bytes: null, ended_ms: null,
  };
}

/** A close repeats who and what from its open entry, so the row reads on its own in a raw dump or export. */
function closeBody(open: AccessRegisterRow, p: Extract<Pending, { log: 'close' }>): Omit<AccessRegisterRow, 'seq' | 'prev_hash' | 'hash'> {
  return {
    at_ms: p.atMs, kind: 'close', for_seq: p.forSeq, account_id: open.account_id, username: open.username,
    display_name: open.display_name, unit: open.unit, roles: open.roles, action: open.action, camera_ids: open.camera_ids,
    from_ms: open.from_ms, to_ms: open.to_ms, reason_category: null, reason_text: null, request_id: open.request_id,
    client_addr: open.client_addr, refusal_code: null, refusal_article: null, refusal_message: null, bytes: p.bytes,
    ended_ms: p.endedMs,
  };
}

function systemRow(p: Extract<Pending, { log: 'system' }>, seq: number, prev: Buffer): SystemLogRow {
  const i = p.input;
  const row: SystemLogRow = {
    seq, at_ms: p.atMs, actor_id: i.actor?.accountId ?? null, actor_username: i.actor?.username ?? null,
    actor_name: i.actor?.displayName ?? null, actor_unit: i.actor?.unit ?? null, event: i.event, target: i.target,
    details: JSON.stringify(i.details), client_addr: i.clientAddr, prev_hash: prev, hash: Buffer.alloc(0),
  };
  row.hash = rowHash('system', row);
  return row;
}
