// The access gate (architecture §6, R16.3): the only maker of Grants. `open` loads the facts (the account as it is
// now, its grants, its personnel record), asks the pure decision (gate-rules.ts), and writes the access-register row
// BEFORE it answers: a refusal is recorded and then thrown; a success is recorded and only then is the Grant
// returned, so no video byte can be served without its register row. The Grant factory is private to this file and
// not exported from index.ts: a Grant is proof of a recorded decision.
import type { AccessServiceDeps } from './deps.js';
import { AccessError } from './errors.js';
import { decideAccess, type Refusal } from './gate-rules.js';
import type { Grant, GateRequest, Subject } from './grant.js';
import { grantFacts } from './grants.js';
import { factsOf } from './personnel.js';
import type { AccessRecordInput, AccessRecorder } from './ports.js';
import * as repo from './repo.js';
import type { Role } from './roles.js';

export class Gate {
  constructor(private readonly deps: AccessServiceDeps) {}

  /** Decides `req`, records it in the access register, and returns a Grant — or records the refusal and throws it. */
  async open(req: GateRequest): Promise<Grant> {
    const { deps } = this;
    const nowMs = deps.now();
    const record = await repo.getUser(deps.db, { id: req.subject.accountId });
    // Decide on the account as it is now, not as it was when the session was authenticated.
    const subject: Subject = record ? { ...req.subject, roles: record.roles as Role[] } : req.subject;
    const entry = registerEntry({ ...req, subject });
    let refusal: Refusal | null;
    if (!record || record.user.disabled === 1) {
      refusal = { code: 'account_disabled', message: 'this account is disabled or no longer exists; ask a system admin' };
    } else {
      const [{ grants, groupMembers }, personnel] = await Promise.all([
        grantFacts(deps.db, subject.accountId),
        repo.getPersonnel(deps.db, subject.accountId),
      ]);
      refusal = decideAccess({ ...req, subject }, {
        reasonCategories: deps.reasonCategories, nowMs, grants, groupMembers, personnel: factsOf(personnel),
      });
    }
    if (refusal) {
      await deps.access.recordAccess({ ...entry, outcome: 'refused', refusal });
      throw new AccessError(refusal.code, refusal.message, refusal.article);
    }
    const { id } = await deps.access.recordAccess({ ...entry, outcome: 'granted', refusal: null });
    return makeGrant(deps.access, deps.now, id, { ...req, subject }, nowMs);
  }
}

function registerEntry(req: GateRequest): Omit<AccessRecordInput, 'outcome' | 'refusal'> {
  const { subject } = req;
  return {
    accountId: subject.accountId,
    username: subject.username,
    displayName: subject.displayName,
    unit: subject.unit,
    roles: [...subject.roles],
    action: req.action,
    cameraIds: [...req.target.cameraIds],
    fromMs: req.target.fromMs ?? null,
    toMs: req.target.toMs ?? null,
    reasonCategory: req.reason?.category ?? null,
    reasonText: req.reason?.text ?? null,
    requestId: req.requestId ?? null,
    clientAddr: req.clientAddr ?? null,
  };
}

/** The only way to make a Grant. Module-private on purpose (see the header). */
function makeGrant(recorder: AccessRecorder, now: () => number, accessId: number, req: GateRequest, openedMs: number): Grant {
  let bytes = 0;
  let closing: Promise<void> | undefined;
  const grant = {
    accessId,
    subject: req.subject,
    action: req.action,
    cameraIds: Object.freeze([...req.target.cameraIds]),
    fromMs: req.target.fromMs ?? null,
    toMs: req.target.toMs ?? null,
    openedMs,
    addBytes(n: number): void {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`byte count must be a non-negative integer, got ${n}`);
      if (closing === undefined) bytes += n; // bytes after close are not served under this grant
    },
    close(): Promise<void> {
      // Exactly one close entry (R16.3), even when close is called again or concurrently.
      closing ??= recorder.recordAccessEnd(accessId, { bytes, endedMs: now() });
      return closing;
    },
    get closed(): boolean {
      return closing !== undefined;
    },
  };
  return Object.freeze(grant) as unknown as Grant;
}
