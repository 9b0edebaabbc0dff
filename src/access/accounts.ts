// Account administration: first-start bootstrap, create, list, change, roles, unlock, password reset.
// Permissions (R16.2, defence in depth under the HTTP layer's own check): user.manage (system admin) for accounts,
// role.manage (security admin) for roles; reading accounts is open to every administrator who manages something
// about them (user, role, grant or personnel management). createUser may set initial roles, so the first system
// admin can create the first security admin and auditor; 三员分立 is enforced on every role set.
import { v7 as uuidv7 } from 'uuid';
import { authorize, logEvent, requireUser, type AccessServiceDeps } from './deps.js';
import { AccessError } from './errors.js';
import type { Subject } from './grant.js';
import { checkPassword, checkRoles, checkUsername, normalizeUsername, optionalText, requiredText } from './policy.js';
import * as repo from './repo.js';
import type { Permission, Role } from './roles.js';
import { generatePassword, hashPassword } from './secrets.js';
import { toUserView, type NewUserInput, type UserView } from './views.js';

const READ_USERS: Permission[] = ['user.manage', 'role.manage', 'grant.manage', 'personnel.manage'];
export const BOOTSTRAP_USERNAME = 'admin';
export const USERS_PAGE_MAX = 500;

async function view(deps: AccessServiceDeps, id: string): Promise<UserView> {
  return toUserView(await requireUser(deps, id), deps.now());
}

/** First start: creates 'admin' (system_admin, must change password) with a one-time password; null if any account exists. */
export async function bootstrapAdmin(deps: AccessServiceDeps): Promise<{ username: string; password: string } | null> {
  // "First start" is a system without a system administrator: other accounts may already exist (the demo, or
  // operators created with the CLI before the first `vigil serve`).
  if ((await repo.countUsersWithRole(deps.db, 'system_admin')) > 0) return null;
  const password = generatePassword(BOOTSTRAP_USERNAME);
  const now = deps.now();
  const id = uuidv7();
  const inserted = await repo.insertUser(
    deps.db,
    {
      id, username: BOOTSTRAP_USERNAME, display_name: 'System administrator', unit: '-', password_hash: await hashPassword(password),
      password_changed_ms: now, must_change_password: 1, totp_enabled: 0, failed_logins: 0, disabled: 0, created_ms: now, updated_ms: now,
    },
    ['system_admin'],
  );
  if (!inserted) return null; // another process bootstrapped first
  await logEvent(deps, null, 'user.created', id, { username: BOOTSTRAP_USERNAME, roles: ['system_admin'], via: 'bootstrap' });
  return { username: BOOTSTRAP_USERNAME, password };
}

export async function createUser(
  deps: AccessServiceDeps,
  actor: Subject | null,
  input: NewUserInput,
): Promise<{ user: UserView; initialPassword: string }> {
  authorize(actor, 'user.manage');
  const username = normalizeUsername(String(input.username ?? ''));
  checkUsername(username);
  const displayName = requiredText('displayName', input.displayName);
  const unit = requiredText('unit', input.unit);
  const employeeId = optionalText('employeeId', input.employeeId, 64);
  const phone = optionalText('phone', input.phone, 32);
  const roles = checkRoles(Array.isArray(input.roles) ? input.roles : []);
  const password = input.password ?? generatePassword(username);
  checkPassword(username, password);
  const now = deps.now();
  const id = uuidv7();
  const inserted = await repo.insertUser(
    deps.db,
    {
      id, username, display_name: displayName, unit, employee_id: employeeId, phone, password_hash: await hashPassword(password),
      // Always a one-time password: whoever set it knows it (R16.2: only the holder may know their password).
      password_changed_ms: now, must_change_password: 1, totp_enabled: 0, failed_logins: 0, disabled: 0, created_ms: now, updated_ms: now,
    },
    roles,
  );
  if (!inserted) throw new AccessError('username_taken', `user name '${username}' is taken; choose another`, undefined, 'username');
  await logEvent(deps, actor, 'user.created', id, { username, roles });
  return { user: await view(deps, id), initialPassword: password };
}

export async function listUsers(
  deps: AccessServiceDeps,
  actor: Subject | null,
  page: { limit: number; offset: number },
): Promise<{ items: UserView[]; total: number }> {
  authorize(actor, ...READ_USERS);
  const limit = Math.min(Math.max(1, Math.trunc(page.limit) || 1), USERS_PAGE_MAX);
  const offset = Math.max(0, Math.trunc(page.offset) || 0);
  const [records, total] = await Promise.all([repo.listUsers(deps.db, { limit, offset }), repo.countUsers(deps.db)]);
  const now = deps.now();
  return { items: records.map((r) => toUserView(r, now)), total };
}

export async function getUser(deps: AccessServiceDeps, actor: Subject | null, id: string): Promise<UserView> {
  if (actor?.accountId !== id) authorize(actor, ...READ_USERS); // everyone may read their own account
  return view(deps, id);
}

/** Finds an account by user name (the CLI names accounts that way). */
export async function findUser(deps: AccessServiceDeps, actor: Subject | null, username: string): Promise<UserView> {
  authorize(actor, ...READ_USERS);
  const record = await repo.getUser(deps.db, { username: normalizeUsername(username) });
  if (!record) throw new AccessError('user_not_found', `no account named '${username}'`);
  return toUserView(record, deps.now());
}

export async function updateUser(
  deps: AccessServiceDeps,
  actor: Subject | null,
  id: string,
  patch: { displayName?: string; unit?: string; employeeId?: string | null; phone?: string | null; disabled?: boolean },
): Promise<UserView> {
  authorize(actor, 'user.manage');
  await requireUser(deps, id);
  const set: Parameters<typeof repo.updateUser>[2] = { updated_ms: deps.now() };
  if (patch.displayName !== undefined) set.display_name = requiredText('displayName', patch.displayName);
  if (patch.unit !== undefined) set.unit = requiredText('unit', patch.unit);
  if (patch.employeeId !== undefined) set.employee_id = optionalText('employeeId', patch.employeeId, 64);
  if (patch.phone !== undefined) set.phone = optionalText('phone', patch.phone, 32);
  if (patch.disabled !== undefined) {
    if (patch.disabled && actor?.accountId === id) throw new AccessError('forbidden', 'you cannot disable your own account');
    set.disabled = patch.disabled ? 1 : 0;
  }
  await repo.updateUser(deps.db, id, set);
  if (patch.disabled) await repo.deleteSessionsOf(deps.db, id); // a disabled account is signed out everywhere now
  const changed = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined);
  const event = patch.disabled === undefined ? 'user.updated' : patch.disabled ? 'user.disabled' : 'user.enabled';
  await logEvent(deps, actor, event, id, { fields: changed });
  return view(deps, id);
}

export async function setRoles(deps: AccessServiceDeps, actor: Subject | null, id: string, roles: Role[]): Promise<UserView> {
  authorize(actor, 'role.manage');
  if (actor?.accountId === id) {
    // Whoever assigns roles must not assign their own, or one person could hold every power (三员分立, R16.2).
    throw new AccessError('separation_of_duties', 'a security admin may not change their own roles; another security admin must (R16.2)', 'R16.2', 'roles');
  }
  const lawful = checkRoles(Array.isArray(roles) ? roles : []);
  const before = await requireUser(deps, id);
  await repo.setUserRoles(deps.db, id, lawful, deps.now());
  await logEvent(deps, actor, 'roles.changed', id, { username: before.user.username, from: before.roles, to: lawful });
  return view(deps, id);
}

export async function unlockUser(deps: AccessServiceDeps, actor: Subject | null, id: string): Promise<UserView> {
  authorize(actor, 'user.manage');
  await requireUser(deps, id);
  await repo.updateUser(deps.db, id, { failed_logins: 0, locked_until_ms: null, updated_ms: deps.now() });
  await logEvent(deps, actor, 'account.unlocked', id, {});
  return view(deps, id);
}

export async function resetPassword(deps: AccessServiceDeps, actor: Subject | null, id: string): Promise<{ password: string }> {
  authorize(actor, 'user.manage');
  const { user } = await requireUser(deps, id);
  const password = generatePassword(user.username);
  const now = deps.now();
  await repo.updateUser(deps.db, id, {
    password_hash: await hashPassword(password), password_changed_ms: now, must_change_password: 1, failed_logins: 0, locked_until_ms: null, updated_ms: now,
  });
  await repo.deleteSessionsOf(deps.db, id);
  await logEvent(deps, actor, 'password.reset', id, {});
  return { password };
}
