// Camera groups and per-camera grants (R16.2: "per-camera and per-camera-group grants for each action"), and the
// camera scope a subject may act on. grant.manage (security admin) for every change. Camera ids are opaque: devices/
// owns cameras, and this module does not query its tables (a grant naming a removed camera simply matches nothing).
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '../db/index.js';
import { allows, authorize, logEvent, requireUser, type AccessServiceDeps } from './deps.js';
import { AccessError, invalid } from './errors.js';
import { grantedCameras, permissionForCameraAction, type GrantRule, type GrantScope } from './gate-rules.js';
import type { Subject } from './grant.js';
import { requiredText } from './policy.js';
import * as repo from './repo.js';
import { CAMERA_ACTIONS, type CameraAction } from './roles.js';
import { scopeOf, toGrantView, type GrantView, type GroupView } from './views.js';

const CAMERA_ID_MAX_CHARS = 100;

function checkCameraIds(cameraIds: unknown): string[] {
  if (!Array.isArray(cameraIds) || cameraIds.some((id) => typeof id !== 'string' || id.trim() === '' || id.length > CAMERA_ID_MAX_CHARS)) {
    throw invalid('cameraIds', `cameraIds must be a list of camera ids (1–${CAMERA_ID_MAX_CHARS} characters each)`);
  }
  return [...new Set((cameraIds as string[]).map((id) => id.trim()))].sort();
}

function checkActions(actions: unknown): CameraAction[] {
  const list = Array.isArray(actions) ? (actions as unknown[]) : [];
  if (list.length === 0 || list.some((a) => !(CAMERA_ACTIONS as readonly unknown[]).includes(a))) {
    throw invalid('actions', `actions must be a non-empty list of ${CAMERA_ACTIONS.join(', ')}`);
  }
  return CAMERA_ACTIONS.filter((a) => list.includes(a));
}

function toGroupView({ group, cameraIds }: repo.GroupRecord): GroupView {
  return { id: group.id, name: group.name, cameraIds, createdMs: group.created_ms, updatedMs: group.updated_ms };
}

async function requireGroup(deps: AccessServiceDeps, id: string): Promise<GroupView> {
  const [record] = typeof id === 'string' && id.length <= 64 ? await repo.listGroups(deps.db, [id]) : [];
  if (!record) throw new AccessError('group_not_found', `no camera group with id ${JSON.stringify(String(id).slice(0, 64))}`);
  return toGroupView(record);
}

export async function createGroup(deps: AccessServiceDeps, actor: Subject | null, input: { name: string; cameraIds: string[] }): Promise<GroupView> {
  authorize(actor, 'grant.manage');
  const name = requiredText('name', input.name);
  const cameraIds = checkCameraIds(input.cameraIds);
  const now = deps.now();
  const id = uuidv7();
  if (!(await repo.insertGroup(deps.db, { id, name, created_ms: now, updated_ms: now }, cameraIds))) {
    throw new AccessError('group_name_taken', `a camera group named '${name}' exists; choose another name`, undefined, 'name');
  }
  await logEvent(deps, actor, 'group.created', id, { name, cameraIds });
  return requireGroup(deps, id);
}

export async function listGroups(deps: AccessServiceDeps, actor: Subject | null): Promise<GroupView[]> {
  authorize(actor, 'grant.manage');
  return (await repo.listGroups(deps.db)).map(toGroupView);
}

export async function setGroupCameras(deps: AccessServiceDeps, actor: Subject | null, id: string, cameraIds: string[]): Promise<GroupView> {
  authorize(actor, 'grant.manage');
  const ids = checkCameraIds(cameraIds);
  const before = await requireGroup(deps, id);
  await repo.setGroupCameras(deps.db, id, ids, deps.now());
  await logEvent(deps, actor, 'group.changed', id, { name: before.name, from: before.cameraIds, to: ids });
  return requireGroup(deps, id);
}

export async function deleteGroup(deps: AccessServiceDeps, actor: Subject | null, id: string): Promise<void> {
  authorize(actor, 'grant.manage');
  const before = await requireGroup(deps, id);
  await repo.deleteGroup(deps.db, id);
  await logEvent(deps, actor, 'group.deleted', id, { name: before.name, cameraIds: before.cameraIds });
}

export async function addGrant(
  deps: AccessServiceDeps,
  actor: Subject | null,
  input: { userId: string; scope: GrantScope; actions: CameraAction[] },
): Promise<GrantView> {
  authorize(actor, 'grant.manage');
  const actions = checkActions(input.actions);
  const { user } = await requireUser(deps, input.userId);
  const scope = input.scope;
  let scopeId: string | null;
  if (scope?.kind === 'all') scopeId = null;
  else if (scope?.kind === 'camera') scopeId = checkCameraIds([scope.cameraId])[0] ?? null;
  else if (scope?.kind === 'group') scopeId = (await requireGroup(deps, scope.groupId)).id;
  else throw invalid('scope', "scope must be { kind: 'camera', cameraId }, { kind: 'group', groupId } or { kind: 'all' }");
  const row = {
    id: uuidv7(), user_id: user.id, scope_kind: scope.kind, scope_id: scopeId, actions: actions.join(','),
    created_by: actor?.accountId ?? null, created_ms: deps.now(),
  };
  await repo.insertGrant(deps.db, row);
  const grant = toGrantView(row);
  await logEvent(deps, actor, 'grant.added', user.id, { grantId: row.id, username: user.username, scope: grant.scope, actions });
  return grant;
}

export async function listGrants(deps: AccessServiceDeps, actor: Subject | null, filter: { userId?: string }): Promise<GrantView[]> {
  if (actor === null || filter.userId !== actor.accountId) authorize(actor, 'grant.manage'); // own grants are readable
  return (await repo.listGrants(deps.db, filter)).map(toGrantView);
}

export async function removeGrant(deps: AccessServiceDeps, actor: Subject | null, id: string): Promise<void> {
  authorize(actor, 'grant.manage');
  const removed = await repo.deleteGrant(deps.db, String(id));
  if (!removed) throw new AccessError('grant_not_found', `no grant with id ${JSON.stringify(String(id).slice(0, 64))}`);
  await logEvent(deps, actor, 'grant.removed', removed.user_id, { grantId: removed.id, scope: scopeOf(removed), actions: removed.actions.split(',') });
}

/** The grants of an account and the members of every group they name: the facts the gate and cameraScope need. */
export async function grantFacts(db: Db, userId: string): Promise<{ grants: GrantRule[]; groupMembers: Map<string, Set<string>> }> {
  const grants = (await repo.listGrants(db, { userId })).map((row) => ({ scope: scopeOf(row), actions: toGrantView(row).actions }));
  const groupIds = grants.flatMap((g) => (g.scope.kind === 'group' ? [g.scope.groupId] : []));
  return { grants, groupMembers: await repo.groupMembers(db, [...new Set(groupIds)]) };
}

/**
 * The cameras `subject` may do `action` on, for filtering lists: nothing unless its roles (and token scopes) give the
 * permission, then what its camera, group and all-camera grants cover. Personnel gates are the gate's, not this.
 */
export async function cameraScope(deps: AccessServiceDeps, subject: Subject, action: CameraAction): Promise<'all' | Set<string>> {
  if (!allows(subject, permissionForCameraAction(action))) return new Set();
  const { grants, groupMembers } = await grantFacts(deps.db, subject.accountId);
  return grantedCameras(grants, groupMembers, action);
}
