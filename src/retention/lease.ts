// One retention executor at a time across processes (R17): `vigil serve`'s schedule, a `vigil retention run` beside
// it and a second server on the same PostgreSQL share one index. Without this, the second one's recovery took the
// first one's in-flight run for an interrupted one: it gave up its not-yet-marked deletions and signed a certificate
// for it, and the first signed another when it finished.
//
// A lease rather than a lock held for the run: a process killed mid-run cannot release anything, and its lease simply
// runs out (TTL), after which the next executor completes its deletions and run as after any crash. The holder
// renews while it works; one that finds its lease taken (it stalled past the TTL) stops before the next deletion.
import { v7 as uuidv7 } from 'uuid';
import { RetentionError } from './errors.js';
import type { RetentionRepo } from './repo.js';

/** How long a lease lasts without renewal: well above one deletion (an unlink and a few rows), far below a run's period. */
export const LEASE_TTL_MS = 60_000;
/** A holder renews once this much of its lease has passed, so one slow step never lets it run out. */
const RENEW_AFTER_MS = LEASE_TTL_MS / 4;

/** What the executor needs while it works: keep the lease, or stop. */
export interface LeaseKeeper {
  /** Renews the lease when due; throws `retention_run_busy` if another executor has taken it meanwhile. */
  keep(): Promise<void>;
}

export class ExecutorLease implements LeaseKeeper {
  readonly holder = uuidv7();
  private renewedMs = 0;

  constructor(private readonly repo: RetentionRepo, private readonly now: () => number) {}

  /** Takes the lease; false while another executor holds one that has not run out. */
  async take(): Promise<boolean> {
    const nowMs = this.now();
    if (!(await this.repo.takeLease(this.holder, nowMs, nowMs + LEASE_TTL_MS))) return false;
    this.renewedMs = nowMs;
    return true;
  }

  async keep(): Promise<void> {
    const nowMs = this.now();
    if (nowMs - this.renewedMs < RENEW_AFTER_MS) return;
    if (!(await this.repo.takeLease(this.holder, nowMs, nowMs + LEASE_TTL_MS))) {
      throw new RetentionError('retention_run_busy', 'this retention run stopped: it stalled past its lease and another executor took over its deletions (R17)');
    }
    this.renewedMs = nowMs;
  }

  async release(): Promise<void> {
    await this.repo.releaseLease(this.holder);
  }
}
