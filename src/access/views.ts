// The public shapes of access/'s records. None carries a hash or a secret: a view can be returned by the API,
// printed by the CLI or logged as is.
import type { ApiTokenRow, CameraGrantRow } from '../db/index.js';
import type { Refusal, GrantScope } from './gate-rules.js';
import type { Subject } from './grant.js';
import type { UserRecord } from './repo.js';
import { SEPARATED_ROLES, type CameraAction, type Permission, type Role } from './roles.js';

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  unit: string;
  employeeId: string | null;
  phone: string | null;
  roles: Role[];
  disabled: boolean;
  /** Locked by repeated failed logins until `lockedUntilMs` (then unlocked by time, or earlier by an admin). */
  locked: boolean;
  lockedUntilMs: number | null;
  totpEnabled: boolean;
  mustChangePassword: boolean;
  createdMs: number;
  updatedMs: number;
}

export interface NewUserInput {
  username: string;
  displayName: string;
  unit: string;
  employeeId?: string;
  phone?: string;
  roles: Role[];
  /** If absent, a one-time password is generated. Either way the user must change it at first login. */
  password?: string;
}

export interface LoginResult {
  sessionToken: string;
  csrfToken: string;
  /** When the session ends at the latest (absolute timeout); idleness may end it sooner. */
  expiresMs: number;
  subject: Subject;
  mustChangePassword: boolean;
  /** An administrator without TOTP: only TOTP enrolment is allowed until it is confirmed. */
  totpSetupRequired: boolean;
}

export interface TokenView {
  id: string;
  name: string;
  scopes: Permission[];
  createdMs: number;
  expiresMs: number;
  revokedMs: number | null;
  lastUsedMs: number | null;
}

export interface GroupView {
  id: string;
  name: string;
  cameraIds: string[];
  createdMs: number;
  updatedMs: number;
}

export interface GrantView {
  id: string;
  userId: string;
  scope: GrantScope;
  actions: CameraAction[];
  /** Account that made the grant; null = the local CLI. */
  createdBy: string | null;
  createdMs: number;
}

export interface PersonnelView {
  userId: string;
  vettedMs: number | null;
  confidentialitySignedMs: number | null;
  trainings: { id: string; course: string; completedMs: number; validUntilMs: number }[];
  agreements: { id: string; company: string; scope: string; startMs: number; endMs: number; documentRef: string }[];
  /** The personnel gates this account fails now, for its current roles (empty: video may be granted). */
  blockers: Refusal[];
}

export function totpSetupRequired(roles: readonly string[], totpEnabled: boolean): boolean {
  return !totpEnabled && roles.some((r) => (SEPARATED_ROLES as readonly string[]).includes(r));
}

export function toUserView({ user, roles }: UserRecord, nowMs: number): UserView {
  const locked = user.locked_until_ms !== null && user.locked_until_ms > nowMs;
  return {
    id: user.id,
    username: user.username,
    displayName: user.display_name,
    unit: user.unit,
    employeeId: user.employee_id,
    phone: user.phone,
    roles: roles as Role[],
    disabled: user.disabled === 1,
    locked,
    lockedUntilMs: locked ? user.locked_until_ms : null,
    totpEnabled: user.totp_enabled === 1,
    mustChangePassword: user.must_change_password === 1,
    createdMs: user.created_ms,
    updatedMs: user.updated_ms,
  };
}

export function subjectOf({ user, roles }: UserRecord, via: { sessionId: string } | { tokenId: string; scopes: string[] }): Subject {
  const base = { accountId: user.id, username: user.username, displayName: user.display_name, unit: user.unit, roles: roles as Role[] };
  return 'sessionId' in via
    ? { ...base, via: 'session', sessionId: via.sessionId }
    : { ...base, via: 'token', tokenId: via.tokenId, tokenScopes: via.scopes };
}

export function toTokenView(row: ApiTokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as Permission[],
    createdMs: row.created_ms,
    expiresMs: row.expires_ms,
    revokedMs: row.revoked_ms,
    lastUsedMs: row.last_used_ms,
  };
}

export function scopeOf(row: CameraGrantRow): GrantScope {
  if (row.scope_kind === 'all') return { kind: 'all' };
  return row.scope_kind === 'camera' ? { kind: 'camera', cameraId: row.scope_id ?? '' } : { kind: 'group', groupId: row.scope_id ?? '' };
}

export function toGrantView(row: CameraGrantRow): GrantView {
  return {
    id: row.id,
    userId: row.user_id,
    scope: scopeOf(row),
    actions: row.actions.split(',').filter((a) => a.length > 0) as CameraAction[],
    createdBy: row.created_by,
    createdMs: row.created_ms,
  };
}
