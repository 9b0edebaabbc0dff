// Legal holds (R17, S): footage of the held cameras in the held range survives every deletion — retention, ceiling
// and store pressure (the planner enforces it). Lifting takes four eyes: one holder of hold.manage requests the
// lift, a *different* account approves it. Expiry ends a hold by itself. Every step is in the system log.
import { v7 as uuidv7 } from 'uuid';
import { hasPermission, type Subject } from '../access/index.js';
import { isHoldActive, type LegalHold } from '../domain/index.js';
import type { LegalHoldRow } from '../db/index.js';
import { RetentionError } from './errors.js';
import { logRetentionEvent, type Ctx } from './events.js';

export interface HoldInput {
  cameraIds: string[];
  fromMs: number;
  toMs: number;
  reason: string;
  legalBasis: string;
  requester: string;
  expiresMs?: number | null;
}

export type HoldState = 'active' | 'lift_requested' | 'lifted' | 'expired';

export interface HoldView {
  id: string;
  cameraIds: string[];
  fromMs: number;
  toMs: number;
  reason: string;
  legalBasis: string;
  requester: string;
  expiresMs: number | null;
  createdBy: string | null;
  createdMs: number;
  state: HoldState;
  liftRequestedBy: string | null;
  liftRequestedMs: number | null;
  liftReason: string | null;
  liftApprovedBy: string | null;
  liftedMs: number | null;
}

const n = (v: number | null): number | null => (v === null ? null : Number(v));

export function toDomainHold(row: LegalHoldRow): LegalHold {
  return {
    id: row.id, cameraIds: JSON.parse(row.camera_ids) as string[], fromMs: Number(row.from_ms), toMs: Number(row.to_ms),
    reason: row.reason, legalBasis: row.legal_basis, requester: row.requester, expiresMs: n(row.expires_ms), liftedMs: n(row.lifted_ms),
  };
}

export function toHoldView(row: LegalHoldRow, nowMs: number): HoldView {
  const d = toDomainHold(row);
  const state: HoldState = row.lifted_ms !== null && Number(row.lifted_ms) <= nowMs
    ? 'lifted'
    : !isHoldActive(d, nowMs) ? 'expired' : row.lift_requested_by !== null ? 'lift_requested' : 'active';
  return {
    id: row.id, cameraIds: [...d.cameraIds], fromMs: d.fromMs, toMs: d.toMs, reason: row.reason, legalBasis: row.legal_basis,
    requester: row.requester, expiresMs: d.expiresMs, createdBy: row.created_by, createdMs: Number(row.created_ms), state,
    liftRequestedBy: row.lift_requested_by, liftRequestedMs: n(row.lift_requested_ms), liftReason: row.lift_reason,
    liftApprovedBy: row.lift_approved_by, liftedMs: n(row.lifted_ms),
  };
}

function text(field: string, value: string, max = 1000): string {
  const t = typeof value === 'string' ? value.trim() : '';
  if (t === '') throw new RetentionError('invalid_hold', `a legal hold needs its ${field} (R17)`, field, 'R17');
  if (t.length > max) throw new RetentionError('invalid_hold', `${field} is longer than ${max} characters`, field);
  return t;
}

export async function addHold(ctx: Ctx, actor: Subject | null, input: HoldInput, clientAddr: string | null = null): Promise<HoldView> {
  const cameraIds = [...new Set((input.cameraIds ?? []).map((c) => String(c).trim()).filter((c) => c !== ''))];
  if (cameraIds.length === 0) throw new RetentionError('invalid_hold', 'a legal hold needs at least one camera', 'cameraIds', 'R17');
  const known = new Set(await ctx.deps.cameras.cameraIds());
  const unknown = cameraIds.filter((c) => !known.has(c));
  if (unknown.length) throw new RetentionError('invalid_hold', `unknown camera ${JSON.stringify(unknown[0]!.slice(0, 64))}`, 'cameraIds');
  if (!Number.isSafeInteger(input.fromMs) || !Number.isSafeInteger(input.toMs) || input.fromMs > input.toMs) {
    throw new RetentionError('invalid_hold', 'the held range needs integer ms times with from ≤ to', 'fromMs');
  }
  const now = ctx.deps.now();
  const expiresMs = input.expiresMs ?? null;
  if (expiresMs !== null && (!Number.isSafeInteger(expiresMs) || expiresMs <= now)) {
    throw new RetentionError('invalid_hold', 'the expiry must be a time in the future (or none: until lifted)', 'expiresMs');
  }
  const row: LegalHoldRow = {
    id: uuidv7(), camera_ids: JSON.stringify(cameraIds), from_ms: input.fromMs, to_ms: input.toMs,
    reason: text('reason', input.reason), legal_basis: text('legalBasis', input.legalBasis), requester: text('requester', input.requester, 200),
    expires_ms: expiresMs, created_by: actor?.accountId ?? null, created_ms: now,
    lift_requested_by: null, lift_requested_ms: null, lift_reason: null, lift_approved_by: null, lifted_ms: null, expiry_logged_ms: null,
  };
  await ctx.repo.insertHold(row);
  await logRetentionEvent(ctx, actor, 'hold.created', row.id, {
    cameraIds, fromMs: row.from_ms, toMs: row.to_ms, reason: row.reason, legalBasis: row.legal_basis, requester: row.requester, expiresMs,
  }, clientAddr);
  return toHoldView(row, now);
}

export async function listHolds(ctx: Ctx): Promise<HoldView[]> {
  const now = ctx.deps.now();
  return (await ctx.repo.holds()).map((r) => toHoldView(r, now));
}

async function requireHold(ctx: Ctx, id: string): Promise<LegalHoldRow> {
  const row = typeof id === 'string' && id.length <= 64 ? await ctx.repo.hold(id) : undefined;
  if (!row) throw new RetentionError('hold_not_found', `no legal hold with id ${JSON.stringify(String(id).slice(0, 64))}`);
  return row;
}

/** Four eyes needs two identified people: the anonymous local CLI (actor null) cannot take either step. */
function liftingAccount(actor: Subject | null, step: string): Subject {
  if (!actor) {
    throw new RetentionError('hold_lift_needs_account', `${step} a legal hold needs two identified accounts (four eyes): use the API, or the CLI with VIGIL_TOKEN set to your API token`, undefined, 'R17');
  }
  if (!hasPermission(actor.roles, 'hold.manage') || (actor.via === 'token' && !(actor.tokenScopes ?? []).includes('hold.manage'))) {
    throw new RetentionError('hold_lift_needs_account', `${step} a legal hold needs the hold.manage permission`, undefined, 'R16.2');
  }
  return actor;
}

export async function requestLift(ctx: Ctx, actor: Subject | null, id: string, reason: string, clientAddr: string | null = null): Promise<HoldView> {
  const who = liftingAccount(actor, 'requesting the lift of');
  const row = await requireHold(ctx, id);
  const now = ctx.deps.now();
  const view = toHoldView(row, now);
  if (view.state === 'lifted' || view.state === 'expired') throw new RetentionError('hold_not_active', `legal hold ${id} is already ${view.state}`);
  const why = text('reason', reason);
  if (!(await ctx.repo.requestLift(id, who.accountId, why, now))) {
    throw new RetentionError('hold_lift_pending', `a lift of legal hold ${id} is already requested and waits for a second person's approval`);
  }
  await logRetentionEvent(ctx, who, 'hold.lift_requested', id, { reason: why, cameraIds: view.cameraIds }, clientAddr);
  return toHoldView((await ctx.repo.hold(id))!, now);
}

export async function approveLift(ctx: Ctx, actor: Subject | null, id: string, clientAddr: string | null = null): Promise<HoldView> {
  const who = liftingAccount(actor, 'approving the lift of');
  const row = await requireHold(ctx, id);
  const now = ctx.deps.now();
  const view = toHoldView(row, now);
  if (view.state === 'lifted' || view.state === 'expired') throw new RetentionError('hold_not_active', `legal hold ${id} is already ${view.state}`);
  if (row.lift_requested_by === null) {
    throw new RetentionError('hold_lift_not_requested', `nobody has requested the lift of legal hold ${id}: one account requests, another approves`);
  }
  if (row.lift_requested_by === who.accountId) {
    await logRetentionEvent(ctx, who, 'hold.lift_refused', id, { why: 'same_account' }, clientAddr);
    throw new RetentionError(
      'hold_lift_same_account',
      'four eyes: the account that requested the lift cannot approve it; a second holder of hold.manage must approve',
      undefined, 'R17',
    );
  }
  if (!(await ctx.repo.approveLift(id, row.lift_requested_by, who.accountId, now))) {
    throw new RetentionError('hold_not_active', `legal hold ${id} changed meanwhile; look again`);
  }
  await logRetentionEvent(ctx, who, 'hold.lifted', id, {
    requestedBy: row.lift_requested_by, approvedBy: who.accountId, reason: row.lift_reason, cameraIds: view.cameraIds,
  }, clientAddr);
  return toHoldView((await ctx.repo.hold(id))!, now);
}

/** Writes `hold.expired` once for every hold whose expiry has passed (expiry ends a hold by itself). */
export async function logExpiredHolds(ctx: Ctx): Promise<number> {
  const now = ctx.deps.now();
  const expired = await ctx.repo.expiredUnlogged(now);
  for (const h of expired) {
    await logRetentionEvent(ctx, null, 'hold.expired', h.id, { expiresMs: Number(h.expires_ms), cameraIds: JSON.parse(h.camera_ids) as string[], via: 'retention' });
    await ctx.repo.markExpiryLogged(h.id, now);
  }
  return expired.length;
}
