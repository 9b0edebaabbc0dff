// Queries on the tables access/ owns (users, user_roles, sessions, api_tokens, camera_groups, camera_group_members,
// camera_grants, personnel, trainings, contractor_agreements). No other module queries them and this file queries
// no other table: camera ids are opaque strings. It stores what it is given; rules are the service's.
//
// Transactions: multi-row writes (an account with its roles, a group with its members, deleting a group with the
// grants that name it) run in one transaction opened here. Counters that races could lose (failed logins, the last
// TOTP step) are changed by single conditional UPDATEs, so two concurrent logins cannot both use one code.
import type {
  ApiTokenRow,
  CameraGrantRow,
  CameraGroupRow,
  ContractorAgreementRow,
  Db,
  NewUserRow,
  PersonnelRow,
  SessionRow,
  TrainingRow,
  UserRow,
  UserUpdate,
} from '../db/index.js';
import { isUniqueViolation } from '../db/index.js';

export interface UserRecord {
  user: UserRow;
  roles: string[];
}

async function rolesOf(db: Db, userIds: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return map;
  const rows = await db.selectFrom('user_roles').selectAll().where('user_id', 'in', userIds).orderBy('role').execute();
  for (const row of rows) map.get(row.user_id)?.push(row.role);
  return map;
}

async function withRoles(db: Db, users: UserRow[]): Promise<UserRecord[]> {
  const roles = await rolesOf(db, users.map((u) => u.id));
  return users.map((user) => ({ user, roles: roles.get(user.id) ?? [] }));
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Accounts holding a role (disabled ones included: they can be re-enabled). */
export async function countUsersWithRole(db: Db, role: string): Promise<number> {
  const row = await db.selectFrom('user_roles').where('role', '=', role).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Inserts an account with its roles; false if the user name is taken. */
export async function insertUser(db: Db, user: NewUserRow, roles: readonly string[]): Promise<boolean> {
  try {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values(user).execute();
      if (roles.length > 0) await trx.insertInto('user_roles').values(roles.map((role) => ({ user_id: user.id, role }))).execute();
    });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export async function getUser(db: Db, by: { id: string } | { username: string }): Promise<UserRecord | undefined> {
  let query = db.selectFrom('users').selectAll();
  query = 'id' in by ? query.where('id', '=', by.id) : query.where('username', '=', by.username);
  const user = await query.executeTakeFirst();
  return user ? (await withRoles(db, [user]))[0] : undefined;
}

/** Accounts in creation order (UUIDv7 ids break ties). */
export async function listUsers(db: Db, page: { limit: number; offset: number }): Promise<UserRecord[]> {
  const users = await db.selectFrom('users').selectAll().orderBy('created_ms').orderBy('id').limit(page.limit).offset(page.offset).execute();
  return withRoles(db, users);
}

export async function updateUser(db: Db, id: string, set: UserUpdate): Promise<boolean> {
  const result = await db.updateTable('users').set(set).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function setUserRoles(db: Db, id: string, roles: readonly string[], updatedMs: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ updated_ms: updatedMs }).where('id', '=', id).execute();
    await trx.deleteFrom('user_roles').where('user_id', '=', id).execute();
    if (roles.length > 0) await trx.insertInto('user_roles').values(roles.map((role) => ({ user_id: id, role }))).execute();
  });
}

/** What counting a failed login did: counted it, locked the account with it, or found it already locked. */
export type LoginFailureOutcome =
  | { kind: 'counted' }
  | { kind: 'locked_now' }
  | { kind: 'already_locked'; lockedUntilMs: number };

/**
 * Counts one failed login. When the count reaches `threshold` the account locks until `lockUntilMs` and the count
 * restarts, so after the lock expires the account has the full allowance again. The count moves only while the
 * account is unlocked at `nowMs`, in the same statement that checks it: a guess that was read before another request
 * locked the account finds the lock here instead of adding to a count that no longer means anything (R15).
 */
export async function recordLoginFailure(
  db: Db, id: string, threshold: number, nowMs: number, lockUntilMs: number,
): Promise<LoginFailureOutcome> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('users')
      .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
      .where('id', '=', id)
      .where((eb) => eb.or([eb('locked_until_ms', 'is', null), eb('locked_until_ms', '<=', nowMs)])) // unlocked now
      .returning('failed_logins')
      .executeTakeFirst();
    if (!row) return lockedOutcome(trx, id);
    if (row.failed_logins < threshold) return { kind: 'counted' };
    await trx.updateTable('users').set({ failed_logins: 0, locked_until_ms: lockUntilMs }).where('id', '=', id).execute();
    return { kind: 'locked_now' };
  });
}

/**
 * Clears the failure count after a correct login, only if the account is still unlocked at `nowMs`. Returns the lock
 * that stops the login otherwise: parallel guesses all read an unlocked account before any of them fails, and the
 * right one must not get in (nor clear the lock) once the wrong ones have locked it (R15).
 */
export async function clearLoginFailures(db: Db, id: string, nowMs: number): Promise<{ lockedUntilMs: number } | null> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('users')
      .set({ failed_logins: 0, locked_until_ms: null })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('locked_until_ms', 'is', null), eb('locked_until_ms', '<=', nowMs)])) // unlocked now
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return null;
    const locked = await lockedOutcome(trx, id);
    return { lockedUntilMs: locked.lockedUntilMs };
  });
}

async function lockedOutcome(trx: Db, id: string): Promise<{ kind: 'already_locked'; lockedUntilMs: number }> {
  const row = await trx.selectFrom('users').select('locked_until_ms').where('id', '=', id).executeTakeFirst();
  return { kind: 'already_locked', lockedUntilMs: row?.locked_until_ms ?? 0 };
}

/** Accepts TOTP `step` for the account only if it is later than the last one accepted (no replay). */
export async function claimTotpStep(db: Db, id: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function insertSession(db: Db, session: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

export async function getSession(db: Db, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function touchSession(db: Db, id: string, nowMs: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_ms: nowMs }).where('id', '=', id).execute();
}

export async function deleteSession(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Ends every session of the account, except `keepId` if given. Returns how many ended. */
export async function deleteSessionsOf(db: Db, userId: string, keepId?: string): Promise<number> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepId !== undefined) query = query.where('id', '!=', keepId);
  return Number((await query.executeTakeFirst()).numDeletedRows);
}

export async function insertToken(db: Db, token: ApiTokenRow): Promise<void> {
  await db.insertInto('api_tokens').values(token).execute();
}

export async function getTokenByHash(db: Db, tokenHash: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function listTokensOf(db: Db, userId: string): Promise<ApiTokenRow[]> {
  return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_ms').orderBy('id').execute();
}

/**
 * Revokes the owner's token: 'revoked' by this call, 'already' revoked (by an earlier or a concurrent call: the
 * UPDATE is conditional, so of two at once one revokes and one finds it done), or 'not_found'.
 */
export async function revokeToken(db: Db, id: string, userId: string, nowMs: number): Promise<'revoked' | 'already' | 'not_found'> {
  const r = await db.updateTable('api_tokens').set({ revoked_ms: nowMs })
    .where('id', '=', id).where('user_id', '=', userId).where('revoked_ms', 'is', null).executeTakeFirst();
  if (Number(r.numUpdatedRows) > 0) return 'revoked';
  const owned = await db.selectFrom('api_tokens').select('id').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return owned ? 'already' : 'not_found';
}

export async function touchToken(db: Db, id: string, nowMs: number): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_ms: nowMs }).where('id', '=', id).execute();
}

export interface GroupRecord {
  group: CameraGroupRow;
  cameraIds: string[];
}

/** Inserts a group with its members; false if the name is taken. */
export async function insertGroup(db: Db, group: CameraGroupRow, cameraIds: readonly string[]): Promise<boolean> {
  try {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('camera_groups').values(group).execute();
      if (cameraIds.length > 0) {
        await trx.insertInto('camera_group_members').values(cameraIds.map((camera_id) => ({ group_id: group.id, camera_id }))).execute();
      }
    });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export async function listGroups(db: Db, ids?: readonly string[]): Promise<GroupRecord[]> {
  if (ids && ids.length === 0) return [];
  let query = db.selectFrom('camera_groups').selectAll().orderBy('name');
  if (ids) query = query.where('id', 'in', ids);
  const groups = await query.execute();
  const members = await groupMembers(db, groups.map((g) => g.id));
  return groups.map((group) => ({ group, cameraIds: [...(members.get(group.id) ?? [])].sort() }));
}

/** Members of each of the groups, by group id. */
export async function groupMembers(db: Db, groupIds: readonly string[]): Promise<Map<string, Set<string>>> {
  const map = new Map<string, Set<string>>(groupIds.map((id) => [id, new Set()]));
  if (groupIds.length === 0) return map;
  const rows = await db.selectFrom('camera_group_members').selectAll().where('group_id', 'in', groupIds).execute();
  for (const row of rows) map.get(row.group_id)?.add(row.camera_id);
  return map;
}

export async function setGroupCameras(db: Db, id: string, cameraIds: readonly string[], nowMs: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx.updateTable('camera_groups').set({ updated_ms: nowMs }).where('id', '=', id).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await trx.deleteFrom('camera_group_members').where('group_id', '=', id).execute();
    if (cameraIds.length > 0) {
      await trx.insertInto('camera_group_members').values(cameraIds.map((camera_id) => ({ group_id: id, camera_id }))).execute();
    }
    return true;
  });
}

/** Deletes a group, its membership and the grants that name it (a grant on a missing group would grant nothing). */
export async function deleteGroup(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('camera_grants').where('scope_kind', '=', 'group').where('scope_id', '=', id).execute();
    await trx.deleteFrom('camera_group_members').where('group_id', '=', id).execute();
    const result = await trx.deleteFrom('camera_groups').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  });
}

export async function insertGrant(db: Db, grant: CameraGrantRow): Promise<void> {
  await db.insertInto('camera_grants').values(grant).execute();
}

export async function listGrants(db: Db, filter: { userId?: string }): Promise<CameraGrantRow[]> {
  let query = db.selectFrom('camera_grants').selectAll().orderBy('created_ms').orderBy('id');
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  return query.execute();
}

/** Deletes a grant and returns it; one statement, so of two removals at once only one gets the row (and logs it). */
export async function deleteGrant(db: Db, id: string): Promise<CameraGrantRow | undefined> {
  return db.deleteFrom('camera_grants').where('id', '=', id).returningAll().executeTakeFirst();
}

export interface PersonnelRecord {
  personnel: PersonnelRow | undefined;
  trainings: TrainingRow[];
  agreements: ContractorAgreementRow[];
}

export async function getPersonnel(db: Db, userId: string): Promise<PersonnelRecord> {
  const [personnel, trainings, agreements] = await Promise.all([
    db.selectFrom('personnel').selectAll().where('user_id', '=', userId).executeTakeFirst(),
    db.selectFrom('trainings').selectAll().where('user_id', '=', userId).orderBy('completed_ms').orderBy('id').execute(),
    db.selectFrom('contractor_agreements').selectAll().where('user_id', '=', userId).orderBy('start_ms').orderBy('id').execute(),
  ]);
  return { personnel, trainings, agreements };
}

/** Sets the given personnel dates (undefined keeps, null clears), creating the row on first use. */
export async function upsertPersonnel(
  db: Db,
  userId: string,
  patch: { vetted_ms?: number | null; confidentiality_signed_ms?: number | null },
  nowMs: number,
): Promise<void> {
  await db
    .insertInto('personnel')
    .values({ user_id: userId, vetted_ms: patch.vetted_ms ?? null, confidentiality_signed_ms: patch.confidentiality_signed_ms ?? null, updated_ms: nowMs })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...patch, updated_ms: nowMs }))
    .execute();
}

export async function insertTraining(db: Db, training: TrainingRow): Promise<void> {
  await db.insertInto('trainings').values(training).execute();
}

export async function insertAgreement(db: Db, agreement: ContractorAgreementRow): Promise<void> {
  await db.insertInto('contractor_agreements').values(agreement).execute();
}
