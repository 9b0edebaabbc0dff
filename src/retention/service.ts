// RetentionService: the public face of retention/ (policies, legal holds, the executor and its certificates,
// capacity) and the schedule `vigil serve` runs it on. Each method is one call into the file that owns the rule.
import { createPublicKey } from 'node:crypto';
import type { Subject } from '../access/index.js';
import type { CapacityWarning, RetentionAlert } from '../domain/index.js';
import { capacityReport, type CapacityReport } from './capacity.js';
import { certificateSignatureValid, type DeletionCertificate, type SignedCertificate } from './certificate.js';
import { RetentionError } from './errors.js';
import { logRetentionEvent, type Ctx } from './events.js';
import { busyError, recoverDeletions, runRetention, type RunOptions, type RunReport } from './executor.js';
import * as holds from './holds.js';
import { ExecutorLease, LEASE_TTL_MS } from './lease.js';
import * as policies from './policies.js';
import type { RetentionDeps } from './ports.js';
import { RetentionRepo } from './repo.js';

export interface RetentionLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface RunView {
  id: string;
  startedMs: number;
  finishedMs: number | null;
  trigger: string;
  status: string;
  segments: number;
  bytes: number;
  alerts: RetentionAlert[];
  signed: boolean;
}

export interface RetentionSchedule {
  /** A full run this often. */
  runEveryMs: number;
  /** The store's free space is looked at this often; below minFreeBytes a run starts at once (store pressure). */
  checkEveryMs: number;
  /**
   * A scheduled run refused because another executor holds the lease is tried again after this long (default: the
   * lease's TTL), so a server restarted after being killed mid-run completes that run within a minute, not an hour.
   */
  retryBusyMs?: number;
}

export interface RetentionStatus {
  /** R17, D22(3): the store is short of space and everything left is under the floor, on hold or under retention. */
  storeFullUnderFloor: boolean;
  lastRun: { atMs: number; trigger: string; deleted: number; bytes: number; alerts: number } | null;
  capacity: CapacityReport | null;
}

/** A retention policy changed (R14: the filing reports the retention period; a change makes it stale). */
export interface PolicyChange {
  kind: 'set' | 'removed';
  policy: policies.PolicyView;
}

export class RetentionService {
  private readonly ctx: Ctx;
  private readonly listeners = new Set<(change: PolicyChange) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly lease: ExecutorLease;
  private readonly state: RetentionStatus = { storeFullUnderFloor: false, lastRun: null, capacity: null };

  constructor(
    deps: RetentionDeps,
    private readonly log?: RetentionLogger,
  ) {
    this.ctx = { deps, repo: new RetentionRepo(deps.db) };
    this.lease = new ExecutorLease(this.ctx.repo, deps.now);
  }

  // ---- policies (R17)
  listPolicies(): Promise<policies.PolicyView[]> { return policies.listPolicies(this.ctx); }
  async setPolicy(actor: Subject | null, input: policies.PolicyInput, clientAddr: string | null = null): Promise<policies.PolicyView> {
    const view = await policies.setPolicy(this.ctx, actor, input, clientAddr);
    this.emit({ kind: 'set', policy: view });
    return view;
  }
  async removePolicy(actor: Subject | null, which: { id: string } | { scope: policies.PolicyScopeInput }, clientAddr: string | null = null): Promise<void> {
    const removed = await policies.removePolicy(this.ctx, actor, which, clientAddr);
    this.emit({ kind: 'removed', policy: removed });
  }
  /**
   * Calls `listener` after every committed policy change in this process (e.g. compliance/ marks the R14 filing
   * stale). Returns the unsubscribe function. A throwing listener is isolated from the change and the others.
   */
  onPolicyChange(listener: (change: PolicyChange) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  private emit(change: PolicyChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.log?.error({ err }, 'retention policy listener failed');
      }
    }
  }
  /** Effective retention in days per camera: what the filing (R14) and the compliance checker report. */
  retentionDaysByCamera(cameraIds: readonly string[]): Promise<Map<string, number>> { return policies.retentionDaysByCamera(this.ctx, cameraIds); }
  async governingPolicies(cameraIds?: readonly string[]): Promise<{ cameraId: string; policyId: string | null; effectiveRetentionDays: number }[]> {
    return policies.governingPolicies(this.ctx, cameraIds ?? (await this.ctx.deps.cameras.cameraIds()));
  }

  // ---- legal holds (R17, S)
  addHold(actor: Subject | null, input: holds.HoldInput, clientAddr: string | null = null): Promise<holds.HoldView> { return holds.addHold(this.ctx, actor, input, clientAddr); }
  listHolds(): Promise<holds.HoldView[]> { return holds.listHolds(this.ctx); }
  requestLift(actor: Subject | null, id: string, reason: string, clientAddr: string | null = null): Promise<holds.HoldView> { return holds.requestLift(this.ctx, actor, id, reason, clientAddr); }
  approveLift(actor: Subject | null, id: string, clientAddr: string | null = null): Promise<holds.HoldView> { return holds.approveLift(this.ctx, actor, id, clientAddr); }

  // ---- the executor (R17, D22(3))
  /**
   * One run, after any run in progress in this process. Across processes the executor's lease decides: while another
   * process runs one, this refuses with `retention_run_busy` (a dry run, which writes nothing, always runs).
   */
  run(options: RunOptions): Promise<RunReport> {
    const next = this.queue.then(async () => {
      if (options.dryRun === true) return runRetention(this.ctx, options, null);
      const report = await this.underLease((lease) => runRetention(this.ctx, options, lease), () => { throw busyError(); });
      await this.afterRun(report);
      return report;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Completes deletions an earlier process left half done (call at start, before recording). While another process
   * holds the executor's lease there is nothing to complete here: that executor does it. Returns how many it completed.
   */
  recover(): Promise<number> {
    const next = this.queue.then(() => this.underLease((lease) => recoverDeletions(this.ctx, lease), () => 0));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async underLease<T>(fn: (lease: ExecutorLease) => Promise<T>, busy: () => T): Promise<T> {
    if (!(await this.lease.take())) return busy();
    try {
      return await fn(this.lease);
    } finally {
      await this.lease.release();
    }
  }

  private async afterRun(report: RunReport): Promise<void> {
    this.state.lastRun = { atMs: report.startedMs, trigger: report.trigger, deleted: report.deleted, bytes: report.bytesDeleted, alerts: report.alerts.length };
    if (report.deleted > 0) this.log?.info({ runId: report.runId, deleted: report.deleted, bytes: report.bytesDeleted, trigger: report.trigger }, 'retention run deleted footage past its retention (R17)');
    const critical = report.alerts.find((a) => a.kind === 'store_full_under_floor');
    if (critical && !this.state.storeFullUnderFloor) {
      // R17, D22(3): nothing may be deleted to make room — people must act (add storage, move cameras).
      this.state.storeFullUnderFloor = true;
      this.log?.error({ alert: critical, severity: 'critical', article: 'R17' }, `retention: store full under the floor — ${critical.message}`);
      await logRetentionEvent(this.ctx, null, 'retention.store_full_under_floor', 'store:local', {
        severity: 'critical', article: 'R17', message: critical.message, deficitBytes: critical.deficitBytes, underFloorBytes: critical.underFloorBytes,
        underRetentionBytes: critical.underRetentionBytes, onHoldBytes: critical.onHoldBytes, freeBytes: report.freeBytes, minFreeBytes: report.minFreeBytes, via: 'retention',
      });
    } else if (!critical && this.state.storeFullUnderFloor) {
      this.state.storeFullUnderFloor = false;
      this.log?.warn({ freeBytes: report.freeBytes }, 'retention: store pressure cleared');
      await logRetentionEvent(this.ctx, null, 'retention.store_pressure_cleared', 'store:local', { freeBytes: report.freeBytes, via: 'retention' });
    }
    for (const a of report.alerts) if (a.kind !== 'store_full_under_floor') this.log?.warn({ alert: a }, `retention: ${a.message}`);
  }

  async runs(page: { limit: number; offset: number } = { limit: 50, offset: 0 }): Promise<RunView[]> {
    return (await this.ctx.repo.runs(page.limit, page.offset)).map((r) => ({
      id: r.id, startedMs: Number(r.started_ms), finishedMs: r.finished_ms === null ? null : Number(r.finished_ms), trigger: r.trigger,
      status: r.status, segments: Number(r.segments), bytes: Number(r.bytes), alerts: JSON.parse(r.alerts) as RetentionAlert[], signed: r.signature !== null,
    }));
  }

  /** The signed deletion certificate of a finished run, with its signature checked against the installation key. */
  async certificate(runId: string): Promise<SignedCertificate & { signatureValid: boolean }> {
    const run = typeof runId === 'string' && runId.length <= 64 ? await this.ctx.repo.run(runId) : undefined;
    if (!run) throw new RetentionError('retention_run_not_found', `no retention run with id ${JSON.stringify(String(runId).slice(0, 64))}`);
    if (run.certificate === null || run.signature === null) {
      throw new RetentionError('retention_run_not_found', `retention run ${runId} has not finished: it has no certificate yet (the next run completes it)`);
    }
    return {
      certificate: JSON.parse(run.certificate) as DeletionCertificate,
      json: run.certificate,
      signature: run.signature.toString('base64'),
      keyId: run.key_id ?? '',
      publicKeyPem: createPublicKey(this.ctx.deps.signingKey).export({ type: 'spki', format: 'pem' }).toString(),
      signatureValid: certificateSignatureValid(run.certificate, run.signature, this.ctx.deps.signingKey),
    };
  }

  // ---- capacity (R17, D22(3))
  async capacity(): Promise<CapacityReport> {
    const report = await capacityReport(this.ctx);
    this.state.capacity = report;
    return report;
  }

  /** For the compliance checker: the capacity planner's warnings (floor_at_risk is critical). */
  async capacityWarnings(): Promise<CapacityWarning[]> {
    return (await this.capacity()).warnings;
  }

  /** What the metrics and /healthz read (no I/O). */
  status(): RetentionStatus {
    return this.state;
  }

  /** `vigil serve`: a run every runEveryMs, and at once when the store runs low (checked every checkEveryMs). */
  start(schedule: RetentionSchedule, onError: (err: unknown) => void): void {
    if (this.closed || this.timers.length) return;
    let busy = false;
    let retry: NodeJS.Timeout | undefined;
    const tick = (trigger: 'schedule' | 'store_low') => async () => {
      if (busy || this.closed) return;
      busy = true;
      try {
        if (trigger === 'store_low' && (await this.ctx.deps.files.freeBytes()) >= this.ctx.deps.minFreeBytes && !this.state.storeFullUnderFloor) return;
        await this.run({ trigger });
        if (!this.closed) await this.capacity();
      } catch (err) {
        // Another process (a `vigil retention run`, a second server) holds the executor: it does this run's work.
        if (err instanceof RetentionError && err.code === 'retention_run_busy') {
          this.log?.info({ trigger, reason: err.message }, 'retention: skipped, another executor is running');
          if (trigger === 'schedule' && retry === undefined && !this.closed) {
            retry = setTimeout(() => {
              this.timers = this.timers.filter((t) => t !== retry);
              retry = undefined;
              void runTick();
            }, schedule.retryBusyMs ?? LEASE_TTL_MS);
            retry.unref();
            this.timers.push(retry);
          }
        } else {
          onError(err);
        }
      } finally {
        busy = false;
      }
    };
    const runTick = tick('schedule');
    this.timers.push(setInterval(() => void runTick(), schedule.runEveryMs), setInterval(() => void tick('store_low')(), schedule.checkEveryMs));
    for (const t of this.timers) t.unref();
    void runTick(); // once at start: the state after a long stop is brought up to date
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.queue;
  }
}
