// Retention policies (R17): set, list, remove, and which policy governs each camera. Values are checked by the
// domain's validatePolicy (below 30 days refused with article R17); group members are resolved through access/.
import { v7 as uuidv7 } from 'uuid';
import type { Subject } from '../access/index.js';
import {
  effectiveRetentionDays, resolvePolicy, validatePolicy, type PolicyScope, type RetentionPolicy,
} from '../domain/index.js';
import type { RetentionPolicyRow } from '../db/index.js';
import { RetentionError } from './errors.js';
import { logRetentionEvent, type Ctx } from './events.js';

export type PolicyScopeInput = { kind: 'camera'; cameraId: string } | { kind: 'group'; groupId: string } | { kind: 'default' };

export interface PolicyInput {
  scope: PolicyScopeInput;
  retentionDays: number;
  sector?: { sector: string; retentionDays: number; legalBasis: string } | null;
  ceilingDays?: number | null;
  /** Default true: once past retention the purpose is served and the footage is deleted (R17). */
  deleteAfterPurposeServed?: boolean;
}

export interface PolicyView {
  id: string;
  scope: PolicyScopeInput;
  retentionDays: number;
  sector: { sector: string; retentionDays: number; legalBasis: string } | null;
  ceilingDays: number | null;
  deleteAfterPurposeServed: boolean;
  /** max(30, retention, sector override) — what the law and the policy together keep (R17). */
  effectiveRetentionDays: number;
  createdMs: number;
  updatedMs: number;
}

function scopeOf(row: RetentionPolicyRow): PolicyScopeInput {
  if (row.scope_kind === 'camera') return { kind: 'camera', cameraId: row.scope_id };
  if (row.scope_kind === 'group') return { kind: 'group', groupId: row.scope_id };
  return { kind: 'default' };
}

function toDomain(row: RetentionPolicyRow, members: ReadonlyMap<string, string[]>): RetentionPolicy {
  const scope: PolicyScope =
    row.scope_kind === 'group' ? { kind: 'group', groupId: row.scope_id, memberCameraIds: members.get(row.scope_id) ?? [] } : (scopeOf(row) as PolicyScope);
  return {
    id: row.id,
    scope,
    retentionDays: row.retention_days,
    sectorOverride: row.sector === null ? null : { sector: row.sector, retentionDays: row.sector_days ?? 0, legalBasis: row.legal_basis ?? '' },
    ceilingDays: row.ceiling_days,
    deleteAfterPurposeServed: row.delete_after_purpose === 1,
  };
}

export function toPolicyView(row: RetentionPolicyRow): PolicyView {
  const domain = toDomain(row, new Map());
  return {
    id: row.id,
    scope: scopeOf(row),
    retentionDays: row.retention_days,
    sector: domain.sectorOverride ?? null,
    ceilingDays: row.ceiling_days,
    deleteAfterPurposeServed: row.delete_after_purpose === 1,
    effectiveRetentionDays: effectiveRetentionDays(domain),
    createdMs: Number(row.created_ms),
    updatedMs: Number(row.updated_ms),
  };
}

function scopeKey(scope: PolicyScopeInput): { kind: RetentionPolicyRow['scope_kind']; id: string } {
  if (scope.kind === 'camera') return { kind: 'camera', id: scope.cameraId.trim() };
  if (scope.kind === 'group') return { kind: 'group', id: scope.groupId.trim() };
  return { kind: 'default', id: '' };
}

/** Every policy as the planner needs it, group scopes carrying their members (resolved through access/). */
export async function planningPolicies(ctx: Ctx): Promise<RetentionPolicy[]> {
  const rows = await ctx.repo.policies();
  const members = rows.some((r) => r.scope_kind === 'group')
    ? new Map((await ctx.deps.groups.groups()).map((g) => [g.id, g.cameraIds]))
    : new Map<string, string[]>();
  return rows.map((r) => toDomain(r, members));
}

export async function listPolicies(ctx: Ctx): Promise<PolicyView[]> {
  return (await ctx.repo.policies()).map(toPolicyView);
}

/** Creates or replaces the policy of a scope. Refused by validatePolicy (article R17) when unlawful. */
export async function setPolicy(ctx: Ctx, actor: Subject | null, input: PolicyInput, clientAddr: string | null = null): Promise<PolicyView> {
  const key = scopeKey(input.scope);
  if (key.kind !== 'default' && key.id === '') {
    throw new RetentionError('invalid_retention_input', `a ${key.kind} policy must name its ${key.kind}`, 'scope');
  }
  if (key.kind === 'group' && !(await ctx.deps.groups.groups()).some((g) => g.id === key.id)) {
    throw new RetentionError('invalid_retention_input', `no camera group with id ${JSON.stringify(key.id.slice(0, 64))}`, 'scope');
  }
  if (key.kind === 'camera' && !(await ctx.deps.cameras.cameraIds()).includes(key.id)) {
    throw new RetentionError('invalid_retention_input', `no camera with id ${JSON.stringify(key.id.slice(0, 64))}`, 'scope');
  }
  const existing = await ctx.repo.policyOfScope(key.kind, key.id);
  const now = ctx.deps.now();
  const row: RetentionPolicyRow = {
    id: existing?.id ?? uuidv7(),
    scope_kind: key.kind,
    scope_id: key.id,
    retention_days: input.retentionDays,
    sector: input.sector ? input.sector.sector.trim() : null,
    sector_days: input.sector ? input.sector.retentionDays : null,
    legal_basis: input.sector ? input.sector.legalBasis.trim() : null,
    ceiling_days: input.ceilingDays ?? null,
    delete_after_purpose: input.deleteAfterPurposeServed === false ? 0 : 1,
    created_ms: existing ? Number(existing.created_ms) : now,
    updated_ms: now,
  };
  // R17: below 30 days, a sector override not above 30 or without its legal basis, a ceiling under retention.
  validatePolicy(toDomain(row, new Map()));
  const stored = await ctx.repo.upsertPolicy(row);
  const view = toPolicyView(stored);
  await logRetentionEvent(ctx, actor, existing ? 'retention.policy_changed' : 'retention.policy_set', stored.id, {
    scope: view.scope, retentionDays: view.retentionDays, sector: view.sector, ceilingDays: view.ceilingDays,
    deleteAfterPurposeServed: view.deleteAfterPurposeServed,
    ...(existing ? { before: toPolicyView(existing) } : {}),
  }, clientAddr);
  return view;
}

/** Removes a policy by id or by scope. The default policy cannot be removed: every camera keeps a policy (R17). */
export async function removePolicy(ctx: Ctx, actor: Subject | null, which: { id: string } | { scope: PolicyScopeInput }, clientAddr: string | null = null): Promise<PolicyView> {
  const rows = await ctx.repo.policies();
  let row: RetentionPolicyRow | undefined;
  if ('id' in which) row = rows.find((r) => r.id === which.id);
  else {
    const key = scopeKey(which.scope);
    row = rows.find((r) => r.scope_kind === key.kind && r.scope_id === key.id);
  }
  if (!row) throw new RetentionError('policy_not_found', 'no retention policy matches');
  if (row.scope_kind === 'default') {
    throw new RetentionError(
      'invalid_retention_input',
      'the default policy cannot be removed: without it cameras would have no policy (R17); change it with `set --default` instead',
      'scope', 'R17',
    );
  }
  await ctx.repo.deletePolicy(row.id);
  await logRetentionEvent(ctx, actor, 'retention.policy_removed', row.id, { removed: toPolicyView(row) }, clientAddr);
  return toPolicyView(row);
}

/** Effective retention in days per camera (R14 filing, the compliance checker); 30 when only the floor governs. */
export async function retentionDaysByCamera(ctx: Ctx, cameraIds: readonly string[]): Promise<Map<string, number>> {
  const policies = await planningPolicies(ctx);
  const out = new Map<string, number>();
  for (const id of cameraIds) {
    const p = resolvePolicy(id, policies);
    // No policy: the planner keeps everything (camera_without_policy); the law's floor is what is certain.
    out.set(id, p ? effectiveRetentionDays(p) : 30);
  }
  return out;
}

/** Which policy governs each camera, for the console and `policy list --cameras`. */
export async function governingPolicies(ctx: Ctx, cameraIds: readonly string[]): Promise<{ cameraId: string; policyId: string | null; effectiveRetentionDays: number }[]> {
  const policies = await planningPolicies(ctx);
  return cameraIds.map((cameraId) => {
    const p = resolvePolicy(cameraId, policies);
    return { cameraId, policyId: p?.id ?? null, effectiveRetentionDays: p ? effectiveRetentionDays(p) : 30 };
  });
}
